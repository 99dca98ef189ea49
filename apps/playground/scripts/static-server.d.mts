/** Types of static-server.mjs (a plain .mjs so that the start script runs on Node without a build). */
export interface StaticServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function startStaticServer(options: {
  readonly root: string;
  readonly port?: number;
  readonly host?: string;
  readonly config: Record<string, unknown>;
}): Promise<StaticServer>;
