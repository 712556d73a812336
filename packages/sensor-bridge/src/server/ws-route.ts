// The WebSocket stream (docs/websocket-protocol.md). Each connection gets `hello`, then subscribes
// to sessions and, with the control capability, drives them. Every inbound message is validated;
// a bad one gets an `error` reply and changes nothing.
import type { FastifyInstance } from 'fastify';
import {
  CONTROL_MESSAGE_TYPES,
  ERROR_CODES,
  WS_MAX_MESSAGE_BYTES,
  WS_PATH,
  WS_PROTOCOL_VERSION,
  parseClientMessage,
  type ClientMessage,
} from '@hinge/protocol';
import { accessOf, type Access } from './auth';
import { ClientChannel } from './client-channel';
import { errorBody, HingeError } from './errors';
import { ControlRateLimit } from './rate-limit';

const idOf = (m: { id?: string }) => (m.id !== undefined ? { id: m.id } : {});

/** How often an open connection's access is checked again (a rotated token, an expired display link), ms. */
export const ACCESS_RECHECK_MS = 2000;
/** WebSocket close code when the access is revoked (4000-4999: the application's own). */
export const WS_CLOSE_ACCESS_REVOKED = 4401;

export async function wsRoute(app: FastifyInstance): Promise<void> {
  const { hub, policy } = app.bridge;
  /** One bucket per connection. */
  let connections = 0;
  const connectionKey = () => `ws-${++connections}`;
  const rateLimit = new ControlRateLimit();

  app.get(
    WS_PATH,
    {
      websocket: true,
      // Runs before the upgrade: a refused client gets a plain HTTP error, no socket. (Host and Origin
      // were checked before, for every request: request-guard.ts.)
      preValidation: async (request, reply) => {
        if (!accessOf(request, policy)) {
          return reply.code(401).send({ statusCode: 401, code: 'HINGE_ERR_UNAUTHORIZED', message: 'a valid access token is required' });
        }
      },
    },
    (socket, request) => {
      const access = accessOf(request, policy) as Access;
      const channel = new ClientChannel(socket);
      const canSee = (sessionId: string) => access.role === 'clinician' || access.sessionId === sessionId;
      const subscribed = new Set<string>();
      const key = connectionKey();
      hub.addConnection(channel, canSee);
      // A rotated token or an expired display link ends the connection too, not only new requests.
      const recheck = setInterval(() => {
        if (accessOf(request, policy)) return;
        channel.send({ type: 'error', code: 'HINGE_ERR_ACCESS_REVOKED', message: ERROR_CODES.HINGE_ERR_ACCESS_REVOKED });
        socket.close(WS_CLOSE_ACCESS_REVOKED, 'access revoked');
      }, ACCESS_RECHECK_MS);
      recheck.unref();

      channel.send({
        type: 'hello',
        protocol: WS_PROTOCOL_VERSION,
        capabilities: access.role === 'clinician' ? ['control', 'read-all'] : [],
        role: access.role,
        ...(access.role === 'display' ? { displaySessionId: access.sessionId } : {}),
        sessions: hub.runningSessions().filter((s) => canSee(s.id)),
        maxMessageBytes: WS_MAX_MESSAGE_BYTES,
      });

      const handle = async (message: ClientMessage): Promise<void> => {
        if (message.type === 'ping') {
          channel.send({ type: 'pong', ...(message.id !== undefined ? { id: message.id } : {}) });
          return;
        }
        if (!canSee(message.sessionId)) throw new HingeError('HINGE_ERR_FORBIDDEN', 403, `session ${message.sessionId}`);
        if (CONTROL_MESSAGE_TYPES.includes(message.type)) {
          if (access.role !== 'clinician') throw new HingeError('HINGE_ERR_FORBIDDEN', 403, message.type);
          rateLimit.take(key);
        }
        const ack = () => channel.send({ type: 'ack', of: message.type, ...(message.id !== undefined ? { id: message.id } : {}) });
        switch (message.type) {
          case 'subscribe': {
            const session = hub.liveSession(message.sessionId);
            ack();
            subscribed.add(message.sessionId);
            session.subscribe(channel);
            return;
          }
          case 'unsubscribe':
            subscribed.delete(message.sessionId);
            try {
              hub.liveSession(message.sessionId).unsubscribe(channel);
            } catch {
              // already finished: nothing to leave
            }
            ack();
            return;
          case 'calibrate':
            hub.liveSession(message.sessionId).calibrate();
            break;
          case 'start-set':
            hub.liveSession(message.sessionId).startSet();
            break;
          case 'stop-set':
            hub.liveSession(message.sessionId).stopSet();
            break;
          case 'stop-session':
            await hub.liveSession(message.sessionId).stop();
            break;
          case 'update-settings':
            hub.liveSession(message.sessionId).updateSettings(message.settings);
            break;
          case 'annotate':
            hub.liveSession(message.sessionId).annotate(message.text);
            break;
          case 'seek':
            hub.liveSession(message.sessionId).seek(message.t);
            break;
          case 'set-speed':
            hub.liveSession(message.sessionId).setSpeed(message.speed);
            break;
        }
        ack();
      };

      // Messages are handled one after another, in arrival order, and replies go out in that order.
      let queue: Promise<void> = Promise.resolve();
      const process = async (text: string): Promise<void> => {
        const parsed = parseClientMessage(text);
        if (!parsed.ok) {
          channel.send({ type: 'error', code: parsed.code, message: parsed.message, ...idOf(parsed) });
          return;
        }
        try {
          await handle(parsed.message);
        } catch (error) {
          // The same code and message a REST request gets for this failure (errors.ts).
          const { statusCode, code, message } = errorBody(error as Error);
          if (statusCode >= 500) app.log.error({ err: error, code }, `${parsed.message.type} failed`);
          channel.send({ type: 'error', code, message, ...idOf(parsed.message) });
        }
      };
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          channel.send({ type: 'error', code: 'HINGE_ERR_BAD_MESSAGE', message: 'binary messages are not part of the protocol' });
          return;
        }
        const text = data.toString();
        queue = queue.then(() => process(text));
      });
      socket.on('close', () => {
        clearInterval(recheck);
        rateLimit.forget(key);
        hub.removeConnection(channel);
        channel.dispose();
      });
      socket.on('error', () => socket.terminate());
    },
  );
}
