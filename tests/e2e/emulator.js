#!/usr/bin/env node
'use strict';
// Starts the telegram-test-api Bot API emulator on a free loopback port for the end-to-end tests.
//
// The emulator (4.2.1) answers a few methods differently from the real Bot API, and python-telegram-bot
// 22 cannot parse those answers. Instead of bending the bot, this script registers corrected routes
// ahead of the emulator's own and wraps TelegramServer.formatUpdate:
//   - getMe lacks is_bot;
//   - the sendMessage answer carries its date in milliseconds and echoes raw request fields;
//   - callback queries lack chat_instance;
//   - editMessageText / editMessageReplyMarkup answer null instead of the edited message;
//   - getUpdates answers at once, so a polling bot would spin; here it long-polls like Telegram;
//   - getUpdates marks updates read as soon as it returns them, ignoring offset and limit; here, as in
//     Telegram, an update is confirmed only by a later call whose offset is above its update_id, so
//     updates a bot fetched but never confirmed are handed out again after a restart;
//   - methods the emulator does not know (setMyCommands, getWebhookInfo, sendDocument, ...) fail;
//     here they answer ok with the result type the Bot API documents.
// It also enforces the Bot API limits a real server enforces (message length, HTML entities,
// callback data size, unknown chats, "message is not modified"), so the tests catch what Telegram would.
// Harness-only routes let tests inject updates of any kind (stickers, edited messages, channel posts,
// polls ...) and make chosen Bot API calls fail (429 with retry_after, a 400, a dropped connection).
//
// Usage: node emulator.js  -> prints one JSON line {"event":"ready","url":...} on stdout, then serves
// until SIGTERM/SIGINT or until stdin closes (so it never outlives the test process).
// Environment: E2E_BOT_USERNAME (the username getMe reports), E2E_REFUSE_METHODS (comma-separated bot
// methods answered with a 400 error, to check the bot tolerates refusals).

const net = require('net');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const HOST = '127.0.0.1';
const BOT_USERNAME = process.env.E2E_BOT_USERNAME || 'notice_e2e_bot';
const REFUSED = new Set((process.env.E2E_REFUSE_METHODS || '').split(',').map((s) => s.trim()).filter(Boolean));
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const MAX_CALLBACK_DATA_BYTES = 64;
const MAX_LONG_POLL_SECONDS = 50;
// Telegram's HTML parse mode accepts only these tags; anything else is refused.
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler',
  'a', 'code', 'pre', 'blockquote', 'tg-emoji']);
const USER_UPDATE_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];

let server = null; // the single TelegramServer; formatUpdate is static, so the wrapper reaches it here
const chats = new Map(); // chat id -> chat object, learnt from user updates (the emulator forgets chat types)
const calls = []; // every bot method called, for tests that check what the bot asked the server
const callbackAnswers = [];
const faults = []; // pending injected failures: { bot, method, kind, retry_after, times, chat_id }
const DEFAULT_UPDATES_LIMIT = 100;
const webhooks = new Map(); // bot token -> { url, secret_token, delivered: Promise } (replaces the emulator's)
const WEBHOOK_ATTEMPTS = 40;
const WEBHOOK_RETRY_MS = 250;

class BotApiError extends Error {
  constructor(description, code = 400) {
    super(description);
    this.code = code;
  }
}

function botUser(token) {
  // A real bot's id is the number before the colon in its token.
  const id = Number(String(token).split(':')[0]) || 666;
  return { id, is_bot: true, first_name: 'Notice E2E', username: BOT_USERNAME };
}

function seconds(millis) {
  return Math.floor(millis / 1000);
}

function parseJsonField(value) {
  // python-telegram-bot sends nested objects as JSON strings in form-encoded bodies.
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (_e) {
    return value;
  }
}

function decodeEntity(text, i) {
  const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(text.slice(i, i + 12));
  if (!m) return null;
  const name = m[1];
  let ch;
  if (name === 'lt') ch = '<';
  else if (name === 'gt') ch = '>';
  else if (name === 'amp') ch = '&';
  else if (name === 'quot') ch = '"';
  else if (name[1] === 'x') ch = String.fromCodePoint(parseInt(name.slice(2), 16));
  else ch = String.fromCodePoint(parseInt(name.slice(1), 10));
  return { ch, length: m[0].length };
}

// Parses Telegram HTML the way the real server does: only the supported tags, properly nested; a bare
// '&' that starts no entity is kept literally (as Telegram does), a bare '<' is an error.
function parseHtml(text) {
  const stack = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) throw new BotApiError(`Bad Request: can't parse entities: Unclosed start tag at offset ${i}`);
      const inner = text.slice(i + 1, end);
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim().toLowerCase();
        if (!stack.length) throw new BotApiError(`Bad Request: can't parse entities: Unexpected end tag at offset ${i}`);
        const open = stack.pop();
        if (open !== name) {
          throw new BotApiError(`Bad Request: can't parse entities: Unmatched end tag at offset ${i}, expected "</${open}>", found "</${name}>"`);
        }
      } else {
        const m = /^([a-zA-Z][a-zA-Z0-9-]*)(\s[^]*)?$/.exec(inner);
        if (!m) throw new BotApiError(`Bad Request: can't parse entities: Empty tag name at offset ${i}`);
        const name = m[1].toLowerCase();
        if (!HTML_TAGS.has(name)) {
          throw new BotApiError(`Bad Request: can't parse entities: Unsupported start tag "${name}" at offset ${i}`);
        }
        stack.push(name);
      }
      i = end + 1;
    } else if (c === '&') {
      const entity = decodeEntity(text, i);
      if (entity) {
        plain += entity.ch;
        i += entity.length;
      } else {
        plain += c;
        i += 1;
      }
    } else {
      plain += c;
      i += 1;
    }
  }
  if (stack.length) {
    throw new BotApiError(`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`);
  }
  return plain;
}

function visibleText(text, parseMode) {
  if (String(parseMode || '').toUpperCase() === 'HTML') return parseHtml(text);
  return text;
}

function checkText(text, parseMode, limit, what) {
  if (text === undefined || text === null || String(text).length === 0) {
    throw new BotApiError(`Bad Request: ${what} is empty`);
  }
  const plain = visibleText(String(text), parseMode);
  if (!plain.trim()) throw new BotApiError(`Bad Request: ${what} is empty`);
  if ([...plain].length > limit) throw new BotApiError(`Bad Request: ${what} is too long`);
}

function checkMarkup(markup) {
  if (!markup || !markup.inline_keyboard) return;
  if (!Array.isArray(markup.inline_keyboard)) throw new BotApiError('Bad Request: inline keyboard must be an array');
  for (const row of markup.inline_keyboard) {
    if (!Array.isArray(row)) throw new BotApiError('Bad Request: inline keyboard row must be an array');
    for (const button of row) {
      if (!button || !button.text) throw new BotApiError('Bad Request: BUTTON_TEXT_EMPTY');
      if ('callback_data' in button) {
        const size = Buffer.byteLength(String(button.callback_data), 'utf8');
        if (size < 1 || size > MAX_CALLBACK_DATA_BYTES) throw new BotApiError('Bad Request: BUTTON_DATA_INVALID');
      }
    }
  }
}

function knownChat(chatId) {
  const chat = chats.get(String(chatId));
  if (!chat) throw new BotApiError('Bad Request: chat not found');
  return chat;
}

function inlineMarkupOf(message) {
  const markup = parseJsonField(message.reply_markup);
  return markup && markup.inline_keyboard ? markup : undefined;
}

// The Message object the Bot API would answer for a stored bot message.
function messageView(stored) {
  const m = stored.message;
  const view = {
    message_id: stored.messageId,
    date: seconds(stored.time),
    chat: chats.get(String(m.chat_id)) || { id: Number(m.chat_id), type: 'private' },
    from: botUser(stored.botToken),
  };
  if (m.text !== undefined) view.text = m.text;
  if (m.caption !== undefined) view.caption = m.caption;
  if (m.photo) view.photo = m.photo;
  else if (m.document) view.document = m.document;
  const markup = inlineMarkupOf(m);
  if (markup) view.reply_markup = markup;
  if (stored.editDate) view.edit_date = stored.editDate;
  return view;
}

function findBotMessage(token, chatId, messageId) {
  return server.storage.botMessages.find((u) => u.botToken === token
    && String(u.messageId) === String(messageId)
    && String(u.message.chat_id) === String(chatId));
}

// Reads the plain fields of a multipart/form-data body (file parts are summarised, not kept):
// express only parses JSON and form-encoded bodies, and sendDocument arrives as multipart.
function readMultipart(req) {
  return new Promise((resolve, reject) => {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] || '');
    if (!m) {
      resolve({});
      return;
    }
    const boundary = Buffer.from(`--${m[1] || m[2]}`);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fields = {};
      let start = body.indexOf(boundary);
      while (start >= 0) {
        const next = body.indexOf(boundary, start + boundary.length);
        if (next < 0) break;
        const part = body.subarray(start + boundary.length + 2, next - 2); // skip CRLF after / before
        const split = part.indexOf('\r\n\r\n');
        if (split >= 0) {
          const headers = part.subarray(0, split).toString('utf8');
          const content = part.subarray(split + 4);
          const name = /name="([^"]*)"/i.exec(headers);
          const filename = /filename="([^"]*)"/i.exec(headers);
          if (name && filename) {
            fields[name[1]] = { file_name: filename[1], file_size: content.length };
            if (content.subarray(1, 4).toString('latin1') === 'PNG' && content.length >= 24) {
              // a PNG's width and height, from its IHDR chunk, as Telegram reports them for a photo
              fields[name[1]].width = content.readUInt32BE(16);
              fields[name[1]].height = content.readUInt32BE(20);
            }
          } else if (name) fields[name[1]] = content.toString('utf8');
        }
        start = next;
      }
      resolve(fields);
    });
  });
}

async function requestParams(req) {
  const isMultipart = /multipart\/form-data/i.test(req.headers['content-type'] || '');
  const body = isMultipart ? await readMultipart(req) : (req.body || {});
  return { ...req.query, ...body };
}

function fail(res, error) {
  const code = error instanceof BotApiError ? error.code : 500;
  const description = error instanceof BotApiError ? error.message : `Internal Server Error: ${error.message}`;
  res.status(code).json({ ok: false, error_code: code, description });
}

// Registers a bot method whose handler returns the Bot API result (or throws BotApiError).
function botMethod(app, method, handler) {
  app.all(`/bot:token/${method}`, async (req, res) => {
    const { token } = req.params;
    try {
      const params = await requestParams(req);
      const name = req.params.method || method;
      const call = { method: name, bot: botUser(token).id, params, at: Date.now() };
      calls.push(call);
      if (REFUSED.has(name)) throw new BotApiError(`Bad Request: ${name} refused by the test harness`);
      if (applyFault(call, req, res)) return;
      const result = await handler({ token, params, req, name });
      if (!res.headersSent) res.json({ ok: true, result });
    } catch (error) {
      if (!res.headersSent) fail(res, error);
    }
  });
}

// Takes the first pending fault matching a call and acts it out; true when the call must go no further.
function applyFault(call, req, res) {
  const index = faults.findIndex((f) => f.bot === call.bot && f.method === call.method
    && (f.chat_id === undefined || String(f.chat_id) === String(call.params.chat_id)));
  if (index < 0) return false;
  const fault = faults[index];
  fault.times -= 1;
  if (fault.times <= 0) faults.splice(index, 1);
  call.fault = fault.kind;
  if (fault.kind === 'disconnect') {
    // A network-level failure: the connection drops without any HTTP answer.
    req.socket.destroy();
    return true;
  }
  if (fault.kind === 'retry_after') {
    const retryAfter = fault.retry_after || 1;
    res.status(429).json({
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
    return true;
  }
  throw new BotApiError(fault.description || 'Bad Request: refused once by the test harness');
}

// Unconfirmed updates of one bot, as getUpdates sees them: everything below `offset` is confirmed
// (and never handed out again); a negative offset keeps only the last -offset updates, as in the Bot API.
function pendingUpdates(token, offset, limit) {
  const mine = server.storage.userMessages.filter((u) => u.botToken === token && !u.isRead);
  let pending = mine;
  if (offset > 0) {
    mine.filter((u) => u.updateId < offset).forEach((u) => { u.isRead = true; });
    pending = mine.filter((u) => u.updateId >= offset);
  } else if (offset < 0) {
    const keep = mine.slice(offset);
    mine.slice(0, Math.max(0, mine.length + offset)).forEach((u) => { u.isRead = true; });
    pending = keep;
  }
  return pending.slice(0, limit).map((u) => TelegramServer.formatUpdate(u));
}

function waitForUserUpdate(ms, req) {
  return new Promise((resolve) => {
    let timer = null;
    const done = () => {
      clearTimeout(timer);
      USER_UPDATE_EVENTS.forEach((e) => server.off(e, done));
      req.off('close', done);
      resolve();
    };
    timer = setTimeout(done, ms);
    USER_UPDATE_EVENTS.forEach((e) => server.on(e, done));
    req.on('close', done);
  });
}

function sendStoredMessage(token, params, fields) {
  const chat = knownChat(params.chat_id);
  const raw = { ...fields, chat_id: String(chat.id) };
  const markup = parseJsonField(params.reply_markup);
  if (markup) {
    checkMarkup(markup);
    raw.reply_markup = markup;
  }
  server.addBotMessage(raw, token);
  return messageView(server.storage.botMessages[server.storage.botMessages.length - 1]);
}

function editStoredMessage(token, params, change) {
  if (params.inline_message_id) return true; // inline messages live in other chats; the Bot API answers True
  const stored = findBotMessage(token, params.chat_id, params.message_id);
  if (!stored) throw new BotApiError('Bad Request: message to edit not found');
  const markup = parseJsonField(params.reply_markup);
  checkMarkup(markup);
  const before = JSON.stringify([stored.message.text, inlineMarkupOf(stored.message) || null]);
  const updated = { ...stored.message, ...change };
  // Like Telegram, an edit without reply_markup removes the inline keyboard.
  if (markup && markup.inline_keyboard) updated.reply_markup = markup;
  else delete updated.reply_markup;
  const after = JSON.stringify([updated.text, inlineMarkupOf(updated) || null]);
  if (before === after) {
    throw new BotApiError('Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
  }
  stored.message = updated;
  stored.editDate = seconds(Date.now());
  stored.edits = (stored.edits || 0) + 1; // lets the test client notice an edit through getUpdatesHistory
  server.emit('EditedMessageText');
  return messageView(stored);
}

const SIMPLE_RESULTS = {
  getMyCommands: () => [],
  getChatMenuButton: () => ({ type: 'default' }),
  getMyDescription: () => ({ description: '' }),
  getMyShortDescription: () => ({ short_description: '' }),
  getMyName: () => ({ name: 'Notice E2E' }),
  getMyDefaultAdministratorRights: () => ({
    is_anonymous: false, can_manage_chat: false, can_delete_messages: false, can_manage_video_chats: false,
    can_restrict_members: false, can_promote_members: false, can_change_info: false, can_invite_users: false,
    can_post_stories: false, can_edit_stories: false, can_delete_stories: false,
  }),
};

function harnessRoutes(app) {
  botMethod(app, 'getMe', ({ token }) => ({
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: true,
  }));

  botMethod(app, 'getUpdates', async ({ token, params, req }) => {
    const timeout = Math.min(Number(params.timeout) || 0, MAX_LONG_POLL_SECONDS);
    const offset = Number(params.offset) || 0;
    const limit = Math.min(Math.max(Number(params.limit) || DEFAULT_UPDATES_LIMIT, 1), DEFAULT_UPDATES_LIMIT);
    let updates = pendingUpdates(token, offset, limit);
    if (!updates.length && timeout > 0) {
      await waitForUserUpdate(timeout * 1000, req);
      if (req.socket.destroyed) return [];
      updates = pendingUpdates(token, offset, limit);
    }
    // Nothing is marked read here: only the bot's next offset confirms what it received.
    return updates;
  });

  botMethod(app, 'sendMessage', ({ token, params }) => {
    checkText(params.text, params.parse_mode, MAX_TEXT, 'message text');
    return sendStoredMessage(token, params, { text: params.text, parse_mode: params.parse_mode });
  });

  botMethod(app, 'editMessageText', ({ token, params }) => {
    checkText(params.text, params.parse_mode, MAX_TEXT, 'message text');
    return editStoredMessage(token, params, { text: params.text, parse_mode: params.parse_mode });
  });

  botMethod(app, 'editMessageReplyMarkup', ({ token, params }) => editStoredMessage(token, params, {}));

  botMethod(app, 'answerCallbackQuery', ({ token, params }) => {
    if (params.text && [...String(params.text)].length > 200) throw new BotApiError('Bad Request: MESSAGE_TOO_LONG');
    callbackAnswers.push({
      bot: botUser(token).id,
      callback_query_id: String(params.callback_query_id),
      text: params.text,
      show_alert: params.show_alert,
    });
    return true;
  });

  botMethod(app, 'deleteMessage', ({ params }) => {
    if (!server.deleteMessage(Number(params.chat_id), Number(params.message_id))) {
      throw new BotApiError("Bad Request: message to delete not found");
    }
    return true;
  });

  botMethod(app, 'setWebhook', ({ token, params }) => {
    if (!params.url) {
      webhooks.delete(token); // an empty url removes the webhook, as in the Bot API
      return true;
    }
    const previous = webhooks.get(token);
    webhooks.set(token, {
      url: params.url,
      secret_token: params.secret_token,
      delivered: previous ? previous.delivered : Promise.resolve(),
    });
    return true;
  });

  botMethod(app, 'deleteWebhook', ({ token }) => {
    webhooks.delete(token);
    return true;
  });

  botMethod(app, 'getWebhookInfo', ({ token }) => {
    const hook = webhooks.get(token);
    const pending = server.storage.userMessages.filter((u) => u.botToken === token && !u.isRead).length;
    return { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: pending };
  });

  botMethod(app, 'getChat', ({ params }) => knownChat(params.chat_id));

  // Every other method: media sends are stored like messages; getters answer their documented empty
  // result; setters and actions answer True, as the Bot API does.
  botMethod(app, ':method', ({ token, params, name }) => {
    if (name in SIMPLE_RESULTS) return SIMPLE_RESULTS[name]();
    if (/^send(?!ChatAction)/.test(name)) {
      if (params.caption) checkText(params.caption, params.parse_mode, MAX_CAPTION, 'message caption');
      const fields = { caption: params.caption, parse_mode: params.parse_mode };
      const file = params.document || params.photo || params.audio || params.video;
      if (file && typeof file === 'object') fields.document = { file_id: `e2e-${Date.now()}`, file_unique_id: 'e2e', ...file };
      if (name === 'sendPhoto' && fields.document && fields.document.width) fields.photo = [fields.document]; // one PhotoSize
      return sendStoredMessage(token, params, fields);
    }
    if (/^get/.test(name)) process.stderr.write(`harness: ${name} is not modelled; answering True\n`);
    return true;
  });

  // Harness-only client routes: what the bot called, and the answers it gave to button presses.
  app.get('/harness/calls', (_req, res) => res.json({ ok: true, result: calls }));
  app.get('/harness/callbackAnswers', (_req, res) => res.json({ ok: true, result: callbackAnswers }));

  // Make the next `times` calls of one bot method fail: {botToken, method, kind, retry_after?, times?,
  // chat_id?, description?}; kind is retry_after (429), bad_request (400) or disconnect (no answer).
  app.post('/harness/faults', (req, res) => {
    const { botToken, method, kind } = req.body || {};
    if (!botToken || !method || !['retry_after', 'bad_request', 'disconnect'].includes(kind)) {
      res.status(400).json({ ok: false, description: 'need botToken, method and a known kind' });
      return;
    }
    faults.push({
      bot: botUser(botToken).id,
      method,
      kind,
      retry_after: Number(req.body.retry_after) || undefined,
      times: Number(req.body.times) || 1,
      chat_id: req.body.chat_id,
      description: req.body.description,
    });
    res.json({ ok: true, result: true });
  });
  app.get('/harness/faults', (_req, res) => res.json({ ok: true, result: faults }));

  // Deliver any update as given (without update_id): {botToken, update: {edited_message: {...}}}.
  app.post('/harness/sendUpdate', async (req, res) => {
    const { botToken, update } = req.body || {};
    if (!botToken || !update || typeof update !== 'object') {
      res.status(400).json({ ok: false, description: 'need botToken and update' });
      return;
    }
    const inner = Object.values(update).find((v) => v && typeof v === 'object' && v.chat) || {};
    try {
      await server.addUserUpdate({ ...server.getCommonFields(botToken), raw: update, message: inner });
      server.messageId += 1;
      server.emit('AddedUserMessage');
      res.json({ ok: true, result: true });
    } catch (error) {
      res.status(500).json({ ok: false, description: String(error) });
    }
  });
}

// Completes the updates the emulator hands to the bot: callback queries get chat_instance and the
// pressed message as the Bot API would show it; the client-only botToken field is dropped.
function installFormatUpdateWrapper() {
  const original = TelegramServer.formatUpdate;
  TelegramServer.formatUpdate = (update) => {
    if (update.raw) return { ...update.raw, update_id: update.updateId };
    const out = original(update);
    if (out.callback_query) {
      const query = out.callback_query;
      const pressed = query.message || {};
      const chatId = pressed.chat ? pressed.chat.id : pressed.chat_id;
      const stored = chatId !== undefined && findBotMessage(update.botToken, chatId, pressed.message_id);
      if (stored) query.message = messageView(stored);
      else if (query.message) query.message = { ...pressed, date: pressed.date > 1e11 ? seconds(pressed.date) : pressed.date };
      query.chat_instance = String(chatId !== undefined ? chatId : query.from.id);
    } else if (out.message) {
      const message = { ...out.message };
      delete message.botToken;
      if (message.date > 1e11) message.date = seconds(message.date);
      out.message = message;
    }
    return out;
  };
}

// Delivers one update to a bot's webhook the way Telegram does: POST with the secret token header,
// retried until the bot answers 2xx (it may still be starting), one update at a time per bot.
function deliverToWebhook(hook, update) {
  const body = JSON.stringify(TelegramServer.formatUpdate(update));
  const headers = { 'content-type': 'application/json' };
  if (hook.secret_token) headers['x-telegram-bot-api-secret-token'] = hook.secret_token;
  const attempt = async (n) => {
    try {
      const response = await fetch(hook.url, { method: 'POST', headers, body });
      if (response.ok) return;
      process.stderr.write(`harness: webhook answered ${response.status} for update ${update.updateId}\n`);
    } catch (error) {
      process.stderr.write(`harness: webhook unreachable for update ${update.updateId}: ${error.message}\n`);
    }
    if (n + 1 < WEBHOOK_ATTEMPTS) {
      await new Promise((resolve) => { setTimeout(resolve, WEBHOOK_RETRY_MS); });
      await attempt(n + 1);
    }
  };
  hook.delivered = hook.delivered.then(() => attempt(0));
}

function rememberChat(update) {
  const message = update.message || (update.callbackQuery && update.callbackQuery.message);
  if (message && message.chat && message.chat.id !== undefined) {
    const previous = chats.get(String(message.chat.id)) || {};
    chats.set(String(message.chat.id), { ...previous, ...message.chat });
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function main() {
  routes.unshift(harnessRoutes); // the emulator registers routes in list order; ours must win
  installFormatUpdateWrapper();
  let lastError = null;
  for (let attempt = 0; attempt < 5 && !server; attempt += 1) {
    const port = await freePort();
    // storeTimeout in seconds: keep messages for the whole test session.
    const candidate = new TelegramServer({ port, host: HOST, storeTimeout: 24 * 3600 });
    candidate.setMaxListeners(0);
    const addUserUpdate = candidate.addUserUpdate.bind(candidate);
    candidate.addUserUpdate = async (update) => {
      rememberChat(update);
      const hook = webhooks.get(update.botToken);
      if (!hook) return addUserUpdate(update);
      // Kept in storage as already read, so getUpdatesHistory still shows what users sent.
      candidate.storage.userMessages.push({ ...update, isRead: true });
      candidate.updateId += 1;
      deliverToWebhook(hook, update);
      return undefined;
    };
    try {
      await candidate.start();
      server = candidate;
    } catch (error) {
      lastError = error; // another process took the port between probe and listen
    }
  }
  if (!server) throw lastError;
  const url = `http://${HOST}:${server.config.port}`;
  process.stdout.write(`${JSON.stringify({ event: 'ready', url, bot_username: BOT_USERNAME })}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  process.stderr.write(`emulator failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
