/**
 * A pane's simulated network: wraps the real transports and the browser environment so that a
 * pane can be taken offline (the cable pulled: no MQTT, no REST, the environment says offline)
 * or have only its realtime link blocked (MQTT refused, REST still up: every send takes the
 * REST fallback). Built on core's public interfaces only; the SDK cannot tell it from a real
 * network failure, which is the point.
 */
import {
  type AbortSignalLike,
  type Environment,
  type EnvironmentChange,
  type RealtimeConnectOptions,
  type RealtimeConnectResult,
  type RealtimeEvent,
  type RealtimeTransport,
  type RestTransport,
  SdkError,
} from '@weiyu/core';

export interface NetworkSwitch {
  readonly environment: Environment;
  readonly realtime: RealtimeTransport;
  readonly rest: RestTransport;
  /** Whether the pane is offline (no network at all). */
  readonly offline: boolean;
  /** Whether only the realtime link is blocked. */
  readonly realtimeBlocked: boolean;
  setOffline(offline: boolean): void;
  setRealtimeBlocked(blocked: boolean): void;
  /** Throws the error the SDK would see when the network is down, for calls outside the SDK (login). */
  assertOnline(): void;
}

export function createNetworkSwitch(inner: {
  readonly environment: Environment;
  readonly realtime: RealtimeTransport;
  readonly rest: RestTransport;
}): NetworkSwitch {
  let offline = false;
  let realtimeBlocked = false;
  const envListeners = new Set<(change: EnvironmentChange) => void>();
  const rtListeners = new Set<(event: RealtimeEvent) => void>();
  // Set while this wrapper closes the inner connection itself, so that the SDK hears a network
  // failure rather than a deliberate close.
  let cutting = false;

  const emitRealtime = (event: RealtimeEvent): void => {
    for (const listener of [...rtListeners]) listener(event);
  };
  inner.realtime.on((event) => {
    if (event.type === 'disconnected' && cutting) return;
    emitRealtime(event);
  });

  const realtimeDown = (): boolean => offline || realtimeBlocked;

  const cutRealtime = (why: string): void => {
    if (!inner.realtime.isConnected()) return;
    cutting = true;
    void inner.realtime.close().finally(() => {
      cutting = false;
      emitRealtime({ type: 'disconnected', error: new SdkError('network', why) });
    });
  };

  const environment: Environment = {
    isOnline: () => !offline && inner.environment.isOnline(),
    isVisible: () => inner.environment.isVisible(),
    subscribe(listener) {
      envListeners.add(listener);
      const stop = inner.environment.subscribe((change) => {
        // While forced offline, a real 'online' from the browser does not count.
        if (change === 'online' && offline) return;
        listener(change);
      });
      return () => {
        envListeners.delete(listener);
        stop();
      };
    },
  };

  const realtime: RealtimeTransport = {
    get deviceUid() {
      return inner.realtime.deviceUid;
    },
    isConnected: () => !realtimeDown() && inner.realtime.isConnected(),
    connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
      if (offline) return Promise.reject(new SdkError('network', 'offline (playground switch)'));
      if (realtimeBlocked) {
        return Promise.reject(new SdkError('connection_refused', 'realtime blocked (playground switch)'));
      }
      return inner.realtime.connect(options, signal);
    },
    publish(topic, payload, qos) {
      if (realtimeDown()) return Promise.reject(new SdkError('not_connected', 'realtime down (playground switch)'));
      return inner.realtime.publish(topic, payload, qos);
    },
    subscribe(topics, qos) {
      if (realtimeDown()) return Promise.reject(new SdkError('not_connected', 'realtime down (playground switch)'));
      return inner.realtime.subscribe(topics, qos);
    },
    unsubscribe(topics) {
      if (realtimeDown()) return Promise.resolve();
      return inner.realtime.unsubscribe(topics);
    },
    close: () => inner.realtime.close(),
    on(listener) {
      rtListeners.add(listener);
      return () => {
        rtListeners.delete(listener);
      };
    },
  };

  const offlineError = (): SdkError => new SdkError('network', 'offline (playground switch)');
  const { upload, queryThreads } = inner.rest;
  const rest: RestTransport = {
    sendMessage(message, options) {
      if (offline) return Promise.reject(offlineError());
      return inner.rest.sendMessage(message, options);
    },
    queryTopic(query, options) {
      if (offline) return Promise.reject(offlineError());
      return inner.rest.queryTopic(query, options);
    },
    // Optional calls stay optional: the client asks for them only when the transport has them.
    ...(upload === undefined
      ? {}
      : {
          upload(file, options) {
            if (offline) return Promise.reject(offlineError());
            return upload.call(inner.rest, file, options);
          },
        }),
    ...(queryThreads === undefined
      ? {}
      : {
          queryThreads(query, options) {
            if (offline) return Promise.reject(offlineError());
            return queryThreads.call(inner.rest, query, options);
          },
        }),
  };

  const emitEnvironment = (change: EnvironmentChange): void => {
    for (const listener of [...envListeners]) listener(change);
  };

  return {
    environment,
    realtime,
    rest,
    get offline() {
      return offline;
    },
    get realtimeBlocked() {
      return realtimeBlocked;
    },
    setOffline(next) {
      if (next === offline) return;
      offline = next;
      if (offline) {
        cutRealtime('offline (playground switch)');
        emitEnvironment('offline');
      } else if (inner.environment.isOnline()) {
        emitEnvironment('online');
      }
    },
    setRealtimeBlocked(next) {
      if (next === realtimeBlocked) return;
      realtimeBlocked = next;
      if (realtimeBlocked) cutRealtime('realtime blocked (playground switch)');
      // Unblocking: the SDK's own backoff brings the link back; an 'online' nudge makes it prompt.
      else if (!offline) emitEnvironment('online');
    },
    assertOnline() {
      if (offline) throw offlineError();
    },
  };
}
