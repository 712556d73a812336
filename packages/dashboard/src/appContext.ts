// The connection and REST client every view shares, provided once by App.
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { SessionDetail, SessionListEntry } from '@hinge/protocol';
import type { BridgeConnection, ConnectionStatus } from './connection/bridgeConnection';
import type { Api } from './connection/api';
import { createSessionStore, type SessionSnapshot, type SessionStore } from './live/sessionStore';

export interface AppServices {
  connection: BridgeConnection;
  api: Api;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useServices outside AppContext');
  return services;
}

export function useConnectionStatus(): ConnectionStatus {
  const { connection } = useServices();
  return useSyncExternalStore(connection.onStatus, connection.status);
}

/** Follows a session while the component is mounted; returns its store and current snapshot. */
export function useSessionStore(sessionId: string): { store: SessionStore | null; snapshot: SessionSnapshot | null } {
  const { connection, api } = useServices();
  const [store, setStore] = useState<SessionStore | null>(null);
  useEffect(() => {
    const created = createSessionStore(connection, sessionId, (id) => api.get<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}`));
    setStore(created);
    return () => created.dispose();
  }, [connection, api, sessionId]);
  const snapshot = useSyncExternalStore(
    (listener) => (store ? store.subscribe(listener) : () => {}),
    () => (store ? store.getSnapshot() : null),
  );
  return { store, snapshot };
}

/** Loads a REST resource; `reload` fetches it again. */
export function useResource<T>(path: string | null): { data: T | null; error: string | null; reload: () => void } {
  const { api } = useServices();
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    api.get<T>(path).then(
      (data) => current && setState({ data, error: null }),
      (error: Error) => current && setState((s) => ({ data: s.data, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [api, path, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}

/** The running sessions this connection may follow: from `hello`, then every `sessions` update. */
export function useRunningSessions(): SessionListEntry[] {
  const { connection } = useServices();
  const status = useConnectionStatus();
  const [sessions, setSessions] = useState<SessionListEntry[]>([]);
  useEffect(() => {
    if (status.hello) setSessions(status.hello.sessions);
  }, [status.hello]);
  useEffect(
    () =>
      connection.onMessage((message) => {
        if (message.type === 'sessions') setSessions(message.sessions);
      }),
    [connection],
  );
  return sessions;
}
