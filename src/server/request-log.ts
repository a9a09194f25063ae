import pino, { type Logger } from 'pino';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { requestFields } from './logger.js';

const { chindingsSym, streamSym } = pino.symbols;

/**
 * One log line per request, written when it completes (request, status, time), instead of Fastify's two (one on
 * arrival, one on completion): the same information for less (bench/README.md). The error handler still logs 5xx errors.
 * The line of a request that succeeded is built here, exactly as pino would write it (its level, time, bindings
 * such as pid and reqId, then the fields): pino's generic path (serializers, redaction, formatters for an object
 * whose every field is known and safe) cost a request a noticeable share of its CPU (bench/README.md).
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    writeRequestLine(reply.log as unknown as Logger, '', request, reply.statusCode, reply.elapsedTime);
  }
}

/**
 * Writes the `request completed` line of a request that succeeded (or was answered with a client error) to
 * `log`'s stream, as pino would: `bindings` (such as `,"reqId":"req-1"`, JSON) are added to the logger's own.
 */
export function writeRequestLine(
  log: Logger,
  bindings: string,
  request: Parameters<typeof requestFields>[0],
  status: number,
  ms: number,
): void {
  if (!log.isLevelEnabled('info')) return;
  const l = log as Logger & Record<symbol, unknown>;
  (l[streamSym] as { write(line: string): void }).write(
    `{"level":30,"time":${Date.now()}${l[chindingsSym] as string}${bindings},"req":${JSON.stringify(requestFields(request))},"res":{"statusCode":${status}},"responseTime":${ms},"msg":"request completed"}\n`,
  );
}
