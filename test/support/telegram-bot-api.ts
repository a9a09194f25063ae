import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';

/** A call the stand-in received: which bot (its token), which method, and the parameters (query, JSON or form body). */
export interface BotApiCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
}

/** A local stand-in of Telegram's Bot API (https://core.telegram.org/bots/api) on 127.0.0.1, for tests. */
export interface TelegramBotApi {
  /** The `api_base` to configure: `http://127.0.0.1:<port>`. */
  url: string;
  /** Every call, in order (also those with an unknown token). */
  calls: BotApiCall[];
  /** Makes a bot the stand-in knows; returns its token. */
  addBot(username: string, token?: string): string;
  /** Answer every call with this HTTP status (a 502 outage, say) until called again with undefined. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

/** A token of the Bot API's form (`<bot id>:<35 characters>`). */
export function botToken(id = 1_000_000 + Math.floor(Math.random() * 1e9)): string {
  return `${id}:${randomBytes(27).toString('base64url').slice(0, 35)}`;
}

async function paramsOf(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (!body) return params;
  if (req.headers['content-type']?.includes('application/json')) return { ...params, ...(JSON.parse(body) as object) };
  return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
}

/**
 * Starts the stand-in: `GET|POST /bot<token>/getMe` answers the bot (`{"ok": true, "result": {id, is_bot, first_name,
 * username}}`), `sendMessage` echoes a message (`result.message_id`, `chat.id`, `text`); an unknown token is 401
 * `{"ok": false, "error_code": 401, "description": "Unauthorized"}` and an unknown method 404, as Telegram answers.
 */
export async function startTelegramBotApi(): Promise<TelegramBotApi> {
  const bots = new Map<string, { id: number; username: string }>();
  const calls: BotApiCall[] = [];
  let failure: number | undefined;
  let messageId = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(decodeURIComponent(url.pathname));
    const answer = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m;
    calls.push({ token, method, params: await paramsOf(req, url) });
    if (failure) return answer(failure, { ok: false, error_code: failure, description: 'Bad Gateway' });
    const bot = bots.get(token);
    if (!bot) return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const params = calls[calls.length - 1].params;
    switch (method) {
      case 'getMe':
        return answer(200, { ok: true, result: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username } });
      case 'sendMessage':
        if (!params.chat_id || !params.text)
          return answer(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
        return answer(200, {
          ok: true,
          result: { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id) }, text: params.text },
        });
      default:
        return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addBot(username, token = botToken()) {
      bots.set(token, { id: Number(token.split(':')[0]), username });
      return token;
    },
    failWith(status) {
      failure = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
