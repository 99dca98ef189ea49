import { afterEach, describe, expect, it, vi } from 'vitest';
import { mqttDebugWanted } from './link.js';

describe("mqtt.js's own debug lines", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  it('are off unless DEBUG (Node) or localStorage.debug (browsers) asks for debugging', () => {
    vi.stubEnv('DEBUG', '');
    expect(mqttDebugWanted()).toBe(false);
    vi.stubEnv('DEBUG', 'mqttjs*');
    expect(mqttDebugWanted()).toBe(true);
    vi.stubEnv('DEBUG', '');
    vi.stubGlobal('localStorage', { getItem: (key: string) => (key === 'debug' ? 'mqttjs:*' : null) });
    expect(mqttDebugWanted()).toBe(true);
  });

  it('stay as mqtt.js has them when the storage refuses to be read', () => {
    vi.stubEnv('DEBUG', '');
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('SecurityError');
      },
    });
    expect(mqttDebugWanted()).toBe(true);
  });
});
