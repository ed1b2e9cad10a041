// The demo page: plain DOM and fetch, no build step. The session lives in an HttpOnly cookie,
// so this script never sees the token; fetch and EventSource send the cookie by themselves.
'use strict';

const $ = (id) => document.getElementById(id);
const euros = (cents) => (cents / 100).toLocaleString(undefined, { style: 'currency', currency: 'EUR' });
const clock = (ms) => new Date(ms).toLocaleTimeString();
let me = null;
let stream = null;

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json', ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: response.status, ok: response.ok, headers: response.headers, data };
}

function say(id, text, kind) {
  const el = $(id);
  el.textContent = text;
  el.className = `message ${kind ?? ''}`;
}

function problem(res) {
  if (res.status === 429) {
    const wait = res.headers.get('retry-after');
    return `Too many requests (429)${wait ? `: try again in ${wait} s` : ''}.`;
  }
  const message = res.data && typeof res.data === 'object' ? res.data.message : res.data;
  return `${Array.isArray(message) ? message.join(', ') : message || 'Request failed'} (${res.status})`;
}

// ---- live numbers -----------------------------------------------------------------------
async function refreshStats() {
  const res = await api('GET', '/stats').catch(() => null);
  if (!res?.ok) return;
  const s = res.data;
  $('stat-hit-ratio').textContent = s.cache.hitRatio === null ? '–' : `${Math.round(s.cache.hitRatio * 100)}%`;
  $('stat-hits').textContent = `${s.cache.hits} hits · ${s.cache.misses} misses`;
  $('stat-sessions').textContent = s.sessions.active;
  $('stat-blocks').textContent = s.rateLimit.blocked;
  $('stat-notifications').textContent = s.notifications.published;
}

// ---- account ------------------------------------------------------------------------------
async function loadMe() {
  const res = await api('GET', '/auth/me');
  me = res.ok ? res.data : null;
  renderAccount();
}

function renderAccount() {
  $('login-form').hidden = !!me;
  $('account').hidden = !me;
  if (!me) {
    closeStream();
    return;
  }
  $('account-name').textContent = `${me.user.name} (${me.user.email})`;
  $('verified-badge').hidden = !me.verified;
  loadSessions();
  openStream();
}

async function loadSessions() {
  const res = await api('GET', '/auth/sessions');
  const list = $('sessions');
  list.replaceChildren();
  for (const s of res.ok ? res.data : []) {
    const li = document.createElement('li');
    li.textContent = `${s.device || s.userAgent?.slice(0, 40) || 'unknown device'}${s.current ? ' (this one)' : ''}`;
    const when = document.createElement('span');
    when.className = 'hint';
    when.textContent = `active ${clock(s.lastActiveAt)}`;
    li.append(when);
    list.append(li);
  }
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await api('POST', '/auth/login', { email: $('login-email').value, password: $('login-password').value, device: 'Demo page' });
  if (!res.ok) return say('auth-message', problem(res), 'error');
  say('auth-message', 'Logged in: a fresh session id was issued (rotation on login).', 'ok');
  await loadMe();
  loadInbox();
});

$('hammer-button').addEventListener('click', async () => {
  let blocked = 0;
  let last;
  // An account of its own, so the demo users are not locked out of this address for 15 minutes.
  for (let i = 0; i < 8; i++) {
    last = await api('POST', '/auth/login', { email: 'guesser@example.com', password: 'wrong password' });
    if (last.status === 429) blocked++;
  }
  say('auth-message', blocked ? `${blocked} of 8 attempts were blocked by the AUTH rate limit. ${problem(last)}` : 'All 8 attempts were refused (401).', blocked ? 'error' : '');
  refreshStats();
});

$('logout-button').addEventListener('click', async () => {
  await api('POST', '/auth/logout');
  say('auth-message', 'Logged out.', '');
  me = null;
  renderAccount();
});

$('logout-all-button').addEventListener('click', async () => {
  const res = await api('POST', '/auth/logout-all');
  say('auth-message', res.ok ? `Ended ${res.data.destroyed} session(s) on every device.` : problem(res), res.ok ? 'ok' : 'error');
  me = null;
  renderAccount();
});

$('verify-button').addEventListener('click', async () => {
  const code = window.prompt('Step-up verification: enter the demo code 123456');
  if (code === null) return;
  const res = await api('POST', '/auth/verify', { code });
  say('auth-message', res.ok ? 'Verified for 5 minutes: large orders are allowed now.' : problem(res), res.ok ? 'ok' : 'error');
  await loadMe();
});

// ---- catalog and orders -------------------------------------------------------------------------
async function loadProducts() {
  const res = await api('GET', '/products');
  if (!res.ok) return;
  const cache = res.headers.get('x-cache');
  const badge = $('catalog-cache');
  badge.textContent = cache ? `response cache: ${cache}` : 'response cache: –';
  badge.className = `badge ${cache === 'HIT' ? 'hit' : cache ? 'miss' : 'muted'}`;
  const body = $('products');
  body.replaceChildren();
  for (const p of res.data) {
    const tr = document.createElement('tr');
    tr.className = p.stock === 0 ? 'sold-out' : '';
    tr.innerHTML = '<td><span class="name"></span><span class="desc"></span></td><td class="num price"></td><td class="num stock"></td><td class="num"><button class="small">Order</button></td>';
    tr.querySelector('.name').textContent = p.name;
    tr.querySelector('.desc').textContent = p.description;
    tr.querySelector('.price').textContent = euros(p.priceCents);
    tr.querySelector('.stock').textContent = p.stock === 0 ? 'sold out' : p.stock;
    const button = tr.querySelector('button');
    button.dataset.productId = p.id;
    button.disabled = p.stock === 0;
    button.addEventListener('click', () => order(p));
    body.append(tr);
  }
}

// One key per click: a retry of this checkout (the network failed, the user clicked again before
// the answer came) is answered by the first one's result instead of ordering twice.
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return '"' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') + '"';
}

async function order(product) {
  if (!me) return say('order-message', 'Log in first.', 'error');
  const key = idempotencyKey();
  const send = () => api('POST', '/orders', { productId: product.id, quantity: 1 }, { 'idempotency-key': key });
  let res = await send().catch(() => undefined);
  if (!res || res.status >= 500) res = await send(); // retried with the same key: it cannot order twice
  const replayed = res.headers.get('idempotent-replayed') === 'true' ? ' (answer replayed)' : '';
  if (res.ok) say('order-message', `Order #${res.data.id}: ${res.data.productName}, ${euros(res.data.totalCents)} (fencing token ${res.data.fencingToken})${replayed}.`, 'ok');
  else say('order-message', problem(res), 'error');
  loadProducts();
}

// ---- notifications --------------------------------------------------------------------------------
function addNotification(n) {
  const list = $('notifications');
  list.querySelector('.empty')?.remove();
  const li = document.createElement('li');
  li.className = 'notification';
  const time = document.createElement('time');
  time.textContent = clock(n.at ?? Date.now());
  li.append(time, document.createTextNode(n.text ?? JSON.stringify(n)));
  list.prepend(li);
  while (list.children.length > 30) list.lastChild.remove();
}

async function loadInbox() {
  const res = await api('GET', '/notifications/inbox');
  if (res.ok) for (const n of [...res.data].reverse()) addNotification(n);
}

function openStream() {
  if (stream) return;
  stream = new EventSource('/notifications/stream');
  stream.onopen = () => { $('stream-state').textContent = 'live'; $('stream-state').className = 'badge'; };
  stream.onerror = () => { $('stream-state').textContent = 'reconnecting'; $('stream-state').className = 'badge muted'; };
  stream.onmessage = (event) => {
    const n = JSON.parse(event.data);
    if (n.type === 'stream.ready') return; // the server's subscriptions are live
    addNotification(n);
    refreshStats();
    loadProducts();
  };
}

function closeStream() {
  stream?.close();
  stream = null;
  $('stream-state').textContent = 'offline';
  $('stream-state').className = 'badge muted';
}

// ---- drivers --------------------------------------------------------------------------------------
async function loadDrivers() {
  const res = await api('GET', '/drivers/nearby?lat=52.52&lng=13.405&km=5');
  const list = $('drivers');
  list.replaceChildren();
  if (!res.ok || res.data.length === 0) {
    list.innerHTML = '<li class="empty">No drivers within 5 km.</li>';
    return;
  }
  for (const d of res.data) {
    const li = document.createElement('li');
    li.textContent = d.id;
    const km = document.createElement('span');
    km.className = 'hint';
    km.textContent = `${d.distanceKm.toFixed(2)} km`;
    li.append(km);
    list.append(li);
  }
}

loadMe();
loadProducts();
loadDrivers();
refreshStats();
setInterval(refreshStats, 2000);
setInterval(loadDrivers, 5000);
