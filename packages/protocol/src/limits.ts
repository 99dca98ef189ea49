/**
 * The real server's MQTT packet limit (SPEC §2): a packet whose remaining length is over it makes
 * the server close the connection without a word.
 */
export const MAX_PACKET_BYTES = 10_240;
