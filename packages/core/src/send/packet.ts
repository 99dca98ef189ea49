/** Sizes of MQTT 3.1.1 packets, so that nothing over the server's limit is ever published. */

/** UTF-8 length of a string, without TextEncoder (core has no DOM or Node typings). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** Bytes the MQTT "remaining length" varint takes for a value. */
function varintLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

/**
 * The size of an MQTT PUBLISH packet: fixed header byte + remaining-length bytes + 2 + topic
 * bytes + 2 (packet id, QoS 1 and 2 only) + payload.
 */
export function publishPacketSize(topic: string, payloadLength: number, qos: 0 | 1 = 1): number {
  const remaining = 2 + utf8Length(topic) + (qos > 0 ? 2 : 0) + payloadLength;
  return 1 + varintLength(remaining) + remaining;
}
