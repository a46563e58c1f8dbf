/*
 * Keep the storefront's stock figures true while a page stays open.
 *
 * The pages are complete without this script: the server renders every
 * figure, and checkout refuses what cannot be had. Each element showing
 * a SKU carries data-sku and data-sequence, the sequence its figures were
 * rendered at. One WebSocket follows every SKU on the page from that
 * sequence, so nothing committed between render and subscribe is missed.
 * When sockets keep failing, the page polls the availability API instead
 * and goes back to the socket as soon as one opens again.
 */
(() => {
  "use strict";

  const SOCKET_PATH = "/ws/inventory/";
  const AVAILABILITY_URL = "/api/v1/availability";
  const POLL_MS = 5000;
  // The availability API answers at most this many SKUs a request.
  const POLL_CHUNK = 100;
  const FAILURES_BEFORE_POLLING = 3;
  // A socket that stays open this long has proved the way works, so the
  // failure count starts again. A proxy that accepts a socket and drops
  // it at once must still count as a failure.
  const STABLE_MS = 5000;
  const BACKOFF_FIRST_MS = 1000;
  const BACKOFF_MAX_MS = 8000;
  const RETRY_WHILE_POLLING_MS = [15000, 30000];
  // A gap asked about is not asked about again until this has passed,
  // so a burst of events after one gap costs one request.
  const ASK_AGAIN_MS = 3000;
  const ANNOUNCE_DELAY_MS = 500;

  const words = JSON.parse(
    document.getElementById("status-words")?.textContent || "{}",
  );
  const skus = collectSkus();
  if (skus.size === 0) return;

  const live = {
    socket: null,
    failures: 0,
    polling: false,
    pollTimer: 0,
    // Each run of polling has its own round, so a request still out when
    // polling stopped and started again cannot start a second loop.
    pollRound: 0,
    retryTimer: 0,
    stableTimer: 0,
  };
  const announcements = new Map();
  let announceTimer = 0;

  // ---- What the page shows -------------------------------------------

  /** Return code -> what the page knows of that SKU, from the markup. */
  function collectSkus() {
    const found = new Map();
    for (const element of document.querySelectorAll("[data-sku]")) {
      const code = element.dataset.sku;
      const sequence = Number.parseInt(element.dataset.sequence, 10);
      const sku = found.get(code) || { code, sequence, status: null };
      // Elements rendered at different moments: follow from the oldest.
      if (sequence < sku.sequence) sku.sequence = sequence;
      sku.name = sku.name || element.dataset.name || code;
      sku.status = sku.status || statusIn(element);
      found.set(code, sku);
    }
    return found;
  }

  function statusIn(element) {
    const badge = element.closest("[data-status]") ||
      element.querySelector("[data-status]");
    return badge ? badge.dataset.status : null;
  }

  /** Return the elements of a SKU matching selector, or inside one. */
  function elementsOf(code, selector = "") {
    const sku = `[data-sku="${CSS.escape(code)}"]`;
    return document.querySelectorAll(
      selector ? `${selector}${sku}, ${sku} ${selector}` : sku,
    );
  }

  /** Show figures (an event, a snapshot or an API answer) for a SKU. */
  function apply(sku, figures) {
    const before = sku.status;
    sku.sequence = figures.sequence;
    sku.status = figures.status;
    sku.available = figures.available;
    if ("restock_eta" in figures) sku.eta = figures.restock_eta;
    else if (figures.warehouses) sku.eta = earliestEta(figures.warehouses);

    for (const element of elementsOf(sku.code)) {
      element.dataset.sequence = String(figures.sequence);
    }
    for (const badge of elementsOf(sku.code, ".badge")) drawBadge(badge, sku);
    for (const section of elementsOf(sku.code, ".stock")) {
      drawStock(section, sku, figures.warehouses);
    }
    drawAddButtons(sku);
    const lineNews = drawLines(sku);

    if (lineNews) announce(sku, lineNews);
    else if (before && before !== sku.status) {
      announce(sku, words[sku.status] || sku.status);
    }
  }

  function drawBadge(badge, sku) {
    for (const name of [...badge.classList]) {
      if (name.startsWith("badge-")) badge.classList.remove(name);
    }
    badge.classList.add(`badge-${sku.status}`);
    badge.dataset.status = sku.status;
    badge.textContent = words[sku.status] || sku.status;
  }

  function drawStock(section, sku, warehouses) {
    const total = section.querySelector(".available-total");
    if (total) {
      total.textContent = `${sku.available} available`;
      total.hidden = sku.available === 0;
    }

    const restock = section.querySelector(".restock");
    const time = restock?.querySelector("time");
    if (time && sku.eta) {
      time.dateTime = sku.eta;
      time.textContent = longDate.format(parseDay(sku.eta));
    }
    if (restock) restock.hidden = !(sku.status === "restocking" && sku.eta);

    const table = section.querySelector("table.warehouses");
    if (table && warehouses) drawWarehouses(table, warehouses);
  }

  function drawWarehouses(table, warehouses) {
    const body = table.tBodies[0];
    // Keep the names the server rendered; a new warehouse gets its code.
    const names = new Map();
    for (const row of body.rows) {
      names.set(row.dataset.warehouse, row.cells[0].textContent);
    }
    body.replaceChildren(
      ...warehouses.map((entry) => warehouseRow(entry, names)),
    );
  }

  function warehouseRow(entry, names) {
    const row = document.createElement("tr");
    row.dataset.warehouse = entry.warehouse;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = names.get(entry.warehouse) || entry.warehouse;
    const expected = entry.incoming && entry.restock_eta
      ? shortDate.format(parseDay(entry.restock_eta))
      : "–";
    row.append(
      name,
      cell(entry.available, "num"),
      cell(entry.incoming, "num"),
      cell(expected),
    );
    return row;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = String(text);
    return td;
  }

  function drawAddButtons(sku) {
    const selector = `[data-add-to-cart="${CSS.escape(sku.code)}"]`;
    for (const button of document.querySelectorAll(selector)) {
      button.disabled = sku.available === 0;
      button.textContent = sku.available === 0 ? "Out of stock" : "Add to cart";
    }
  }

  /** Mark cart lines of a SKU; return what changed for a listener. */
  function drawLines(sku) {
    let news = null;
    for (const row of elementsOf(sku.code, "[data-quantity]")) {
      const quantity = Number(row.dataset.quantity);
      const was = lineState(quantity, Number(row.dataset.available));
      const now = lineState(quantity, sku.available);
      row.dataset.available = String(sku.available);
      drawLine(row, now, sku.available, was !== "ok" && now === "ok");
      if (was !== now) news = problemText(now, sku.available) || "available again";
    }
    drawCheckout();
    return news;
  }

  function lineState(quantity, available) {
    if (available === 0) return "out";
    return quantity > available ? "short" : "ok";
  }

  // The same words the cart page renders (orders.cart.CartLine).
  function problemText(state, available) {
    if (state === "out") return "Out of stock";
    return state === "short" ? `Only ${available} left` : null;
  }

  function fixText(state, name, available) {
    if (state === "out") return `${name}: out of stock, remove it`;
    return `${name}: lower it to ${available} or remove it`;
  }

  function drawLine(row, state, available, restored) {
    row.classList.toggle("line-problem", state !== "ok");
    const problem = row.querySelector("[data-problem]");
    if (problem) {
      problem.textContent = problemText(state, available) || "";
      problem.hidden = state === "ok";
    }
    const badge = row.querySelector(".badge");
    if (badge) badge.hidden = state !== "ok";
    const note = row.querySelector("[data-restored]");
    if (note && (restored || state !== "ok")) note.hidden = !restored;
  }

  /** Disable checkout, with the reasons, while any line is short. */
  function drawCheckout() {
    const blocked = document.querySelector("[data-checkout-blocked]");
    const link = document.querySelector("[data-checkout-link]");
    if (!blocked || !link) return;

    const fixes = [];
    for (const row of document.querySelectorAll("tr[data-quantity]")) {
      const available = Number(row.dataset.available);
      const state = lineState(Number(row.dataset.quantity), available);
      if (state !== "ok") {
        fixes.push(fixText(state, row.dataset.name, available));
      }
    }

    const list = blocked.querySelector(".fixes");
    list.replaceChildren(...fixes.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    const count = fixes.length;
    blocked.querySelector("button").textContent =
      `Check out: fix ${count} line${count === 1 ? "" : "s"} first`;
    blocked.hidden = count === 0;
    link.hidden = count > 0;
  }

  /** Tell screen readers of a change, one message per SKU per moment. */
  function announce(sku, text) {
    announcements.set(sku.code, `${sku.name}: ${text}`);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      const region = document.getElementById("live-announcer");
      if (region) region.textContent = [...announcements.values()].join(". ");
      announcements.clear();
    }, ANNOUNCE_DELAY_MS);
  }

  // ---- Dates, as the server renders them ("F j, Y" and "M j, Y") ------

  const longDate = new Intl.DateTimeFormat("en-US", {
    year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
  });
  const shortDate = new Intl.DateTimeFormat("en-US", {
    year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  });

  function parseDay(text) {
    const [year, month, day] = text.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day));
  }

  // A snapshot carries warehouses but no restock date: the date shown is
  // the first one among warehouses with stock incoming, as the server's.
  function earliestEta(warehouses) {
    const dates = warehouses
      .filter((entry) => entry.incoming > 0 && entry.restock_eta)
      .map((entry) => entry.restock_eta)
      .sort();
    return dates[0] || null;
  }

  // ---- Messages from the socket --------------------------------------

  function onMessage(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const sku = skus.get(message.sku_id);
    if (!sku) return;
    if (message.event_type === "inventory_updated") onEvent(sku, message);
    // The server sends a snapshot after everything older on this socket,
    // so it is the current truth even below the page's sequence (the
    // page saw a sequence the shop no longer has, e.g. a restored backup).
    if (message.event_type === "inventory_snapshot") apply(sku, message);
  }

  function onEvent(sku, event) {
    if (event.sequence <= sku.sequence) return;
    if (event.sequence > sku.sequence + 1) {
      askAgain(sku);
      return;
    }
    apply(sku, event);
    // Events carry only SKU totals; the per-warehouse table needs more.
    if (elementsOf(sku.code, "table.warehouses").length) refresh(sku);
  }

  /** A change went missing: ask for everything after what is shown. */
  function askAgain(sku) {
    const now = Date.now();
    if (sku.askedFor === sku.sequence && now - sku.askedAt < ASK_AGAIN_MS) return;
    sku.askedFor = sku.sequence;
    sku.askedAt = now;
    send({ subscribe: [sku.code], since: { [sku.code]: sku.sequence } });
  }

  /** Read a SKU's full figures; calls made meanwhile share the next read. */
  async function refresh(sku) {
    if (sku.reading) {
      sku.readAgain = true;
      return;
    }
    sku.reading = true;
    try {
      do {
        sku.readAgain = false;
        const [answer] = await readAvailability([sku.code]);
        if (answer && answer.sequence >= sku.sequence) apply(sku, answer);
      } while (sku.readAgain);
    } catch {
      // The next event or poll reads again; the totals are already right.
    } finally {
      sku.reading = false;
    }
  }

  async function readAvailability(codes) {
    const query = codes.map(encodeURIComponent).join(",");
    const response = await fetch(`${AVAILABILITY_URL}?skus=${query}`, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`availability answered ${response.status}`);
    return (await response.json()).results;
  }

  // ---- The socket, and polling when it fails ------------------------

  function setState(state) {
    document.body.dataset.liveState = state;
  }

  function send(message) {
    if (live.socket?.readyState === WebSocket.OPEN) {
      live.socket.send(JSON.stringify(message));
    }
  }

  function subscribeAll() {
    const since = {};
    for (const sku of skus.values()) {
      if (Number.isInteger(sku.sequence) && sku.sequence >= 0) {
        since[sku.code] = sku.sequence;
      }
    }
    // Limitation: the server follows at most 100 SKUs a socket; no page
    // shows more (a catalog page has 24, a cart at most 50 lines).
    send({ subscribe: [...skus.keys()], since });
  }

  function connect() {
    clearTimeout(live.retryTimer);
    if (live.socket) return;
    if (!live.polling) setState("connecting");

    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${SOCKET_PATH}`);
    live.socket = socket;
    // A socket replaced by a newer one must not touch the page any more.
    socket.addEventListener("open", () => socket === live.socket && onOpen());
    socket.addEventListener("message", (event) => {
      if (socket === live.socket) onMessage(event.data);
    });
    socket.addEventListener("close", () => socket === live.socket && onClose());
  }

  function onOpen() {
    stopPolling();
    setState("socket");
    subscribeAll();
    live.stableTimer = setTimeout(() => {
      live.failures = 0;
    }, STABLE_MS);
  }

  function onClose() {
    live.socket = null;
    clearTimeout(live.stableTimer);
    live.failures += 1;

    if (live.failures >= FAILURES_BEFORE_POLLING) {
      startPolling();
      const [low, high] = RETRY_WHILE_POLLING_MS;
      live.retryTimer = setTimeout(connect, low + Math.random() * (high - low));
      return;
    }
    setState("connecting");
    live.retryTimer = setTimeout(connect, backoff(live.failures));
  }

  // Exponential, with jitter, so that a restarted server is not met by
  // every open page in the same instant.
  function backoff(failures) {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  function startPolling() {
    setState("polling");
    if (live.polling) return;
    live.polling = true;
    live.pollRound += 1;
    poll(live.pollRound);
  }

  function stopPolling() {
    live.polling = false;
    clearTimeout(live.pollTimer);
  }

  async function poll(round) {
    const codes = [...skus.keys()];
    const current = () => live.polling && live.pollRound === round;
    for (let start = 0; start < codes.length; start += POLL_CHUNK) {
      let answers = [];
      try {
        answers = await readAvailability(codes.slice(start, start + POLL_CHUNK));
      } catch {
        // The server may be down as well; the next round tries again.
      }
      // A socket may have opened while the request was out; from then on
      // it is the one source of figures.
      if (!current()) return;
      applyPolled(answers);
    }
    live.pollTimer = setTimeout(() => poll(round), POLL_MS);
  }

  function applyPolled(answers) {
    for (const answer of answers) {
      const sku = skus.get(answer.sku);
      // Only newer figures: a poll must never take the page back in time.
      if (sku && answer.sequence > sku.sequence) apply(sku, answer);
    }
  }

  // The browser says the network is back: try the socket now rather
  // than at the next retry.
  window.addEventListener("online", () => live.socket || connect());
  connect();
})();
