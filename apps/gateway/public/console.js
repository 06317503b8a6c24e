// The shop console: plain ES module, no build step. Talks to the gateway's own /api with the key typed above.
const $ = (selector) => document.querySelector(selector);
const keyInput = $('#api-key');

function text(tag, content, className) {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className) element.className = className;
  return element;
}

function money(price) {
  return price ? `${(price.amountMinor / 100).toFixed(2)} ${price.currency}` : '-';
}

async function api(path, options = {}) {
  const headers = { 'x-api-key': keyInput.value, ...(options.headers ?? {}) };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  return { response, body };
}

function explain(response, body) {
  const after = response.headers.get('retry-after');
  return `${response.status}: ${body.message ?? 'error'}${after ? ` (retry after ${after} s)` : ''}`;
}

async function loadStatus() {
  const tbody = $('#status tbody');
  try {
    const status = await (await fetch('/console/status')).json();
    const rows = [
      {
        service: 'gateway',
        address: location.host,
        ok: status.gateway.ready,
        label: status.gateway.ready ? 'READY' : 'NOT READY',
      },
    ];
    for (const replica of status.replicas) {
      rows.push({
        service: replica.service,
        address: replica.address,
        ok: replica.status === 'SERVING',
        label: replica.status,
      });
    }
    tbody.replaceChildren(
      ...rows.map((row) => {
        const tr = document.createElement('tr');
        const cell = document.createElement('td');
        cell.append(text('span', row.label, `pill ${row.ok ? 'ok' : 'bad'}`));
        tr.append(text('td', row.service), text('td', row.address), cell);
        return tr;
      }),
    );
    $('#status-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $('#status-updated').textContent = `gateway unreachable: ${error.message}`;
  }
}

let productsLoaded = false;

async function loadProducts() {
  const note = $('#products-note');
  let answer;
  try {
    answer = await api('/api/products');
  } catch (error) {
    productsLoaded = false;
    note.textContent = `gateway unreachable: ${error.message}; retrying`;
    note.className = 'bad';
    return;
  }
  const { response, body } = answer;
  productsLoaded = response.ok;
  if (!response.ok) {
    note.textContent = `${explain(response, body)}; retrying`;
    note.className = 'bad';
    return;
  }
  const fallback = response.headers.get('x-rebound-fallback');
  note.textContent = fallback ? `served from cache (${fallback})` : '';
  note.className = fallback ? 'warn' : '';
  $('#products tbody').replaceChildren(
    ...body.products.map((product) => {
      const tr = document.createElement('tr');
      const quantity = document.createElement('input');
      Object.assign(quantity, { type: 'number', min: '0', max: '100', value: '0' });
      quantity.dataset.productId = product.id;
      quantity.setAttribute('aria-label', `quantity of ${product.name}`);
      const cell = document.createElement('td');
      cell.append(quantity);
      tr.append(text('td', product.name), text('td', money(product.price)), cell);
      return tr;
    }),
  );
}

async function placeOrder() {
  const result = $('#order-result');
  const lines = [...document.querySelectorAll('#products input')]
    .map((input) => ({ productId: input.dataset.productId, quantity: Number(input.value) }))
    .filter((line) => line.quantity > 0);
  if (lines.length === 0) {
    result.textContent = 'choose a quantity first';
    result.className = 'result warn';
    return;
  }
  const button = $('#place-order');
  button.disabled = true;
  try {
    const { response, body } = await api('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ lines }),
    });
    if (response.status === 202) {
      // Accepted, not final yet (a dependency is down and the checkout waits it out): follow it.
      $('#order-id').value = body.order.id;
      await follow(
        response.headers.get('location'),
        Number(response.headers.get('retry-after') ?? 1),
        result,
      );
    } else if (response.ok) {
      result.textContent = `order ${body.order.id}: ${body.order.status}, total ${money(body.order.total)}`;
      result.className = 'result ok';
      $('#order-id').value = body.order.id;
    } else {
      result.textContent = explain(response, body);
      result.className = 'result bad';
    }
  } finally {
    button.disabled = false;
  }
}

/** Polls a PENDING order at its Location until it is final (about 2 minutes at most). */
async function follow(location, retryAfterSeconds, result) {
  for (let attempt = 0; attempt < 120; attempt++) {
    result.textContent = `order accepted, PENDING: waiting for a dependency (checked ${attempt} times)`;
    result.className = 'result warn';
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, retryAfterSeconds) * 1000));
    const { response, body } = await api(location);
    if (response.ok && body.order.status !== 'PENDING') {
      result.textContent = `order ${body.order.id}: ${body.order.status}, total ${money(body.order.total)}`;
      result.className = body.order.status === 'CONFIRMED' ? 'result ok' : 'result bad';
      return;
    }
  }
  result.textContent = 'order still PENDING; look it up below later';
}

async function lookUp(event) {
  event.preventDefault();
  const id = $('#order-id').value.trim();
  const { response, body } = await api(`/api/orders/${encodeURIComponent(id)}`);
  const result = $('#lookup-result');
  result.textContent = response.ok ? JSON.stringify(body.order, null, 2) : explain(response, body);
  result.className = `result ${response.ok ? '' : 'bad'}`;
}

async function start() {
  keyInput.value =
    sessionStorage.getItem('rebound-api-key') ??
    (await (await fetch('/console/config.json')).json()).apiKey ??
    '';
  keyInput.addEventListener('change', () => {
    sessionStorage.setItem('rebound-api-key', keyInput.value);
    void loadProducts();
  });
  $('#place-order').addEventListener('click', () => void placeOrder());
  $('#lookup').addEventListener('submit', (event) => void lookUp(event));
  await Promise.all([loadStatus(), loadProducts()]);
  setInterval(() => {
    void loadStatus();
    if (!productsLoaded) void loadProducts();
  }, 3000);
}

void start();
