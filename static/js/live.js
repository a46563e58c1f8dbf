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
 * document.body.dataset.liveState says which: "connecting", "socket" or
 * "polling".
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
  const STALE_RETRIES = 4;
  const STALE_RETRY_MS = 400;

  const statusWords = JSON.parse(
    document.getElementById("status-words")?.textContent || "{}",
  );
  // Dates as the server renders them ("F j, Y" and "M j, Y").
  const dateStyle = { year: "numeric", day: "numeric", timeZone: "UTC" };
  const longDate = new Intl.DateTimeFormat("en-US", { ...dateStyle, month: "long" });
  const shortDate = new Intl.DateTimeFormat("en-US", { ...dateStyle, month: "short" });

  const skus = collectSkus();
  if (skus.size === 0) return;

  const live = {
    socket: null,
    failures: 0,
    polling: false,
    // Each run of polling has its own round, so a request still out when
    // polling stopped and started again cannot start a second loop.
    pollRound: 0,
    pollTimer: 0,
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
      const badge = element.closest("[data-status]") ||
        element.querySelector("[data-status]");
      sku.status = sku.status || badge?.dataset.status || null;
      sku.eta = sku.eta || element.querySelector(".restock time")?.dateTime || null;
      found.set(code, sku);
    }
    return found;
  }

  /** Return a SKU's elements matching selector, or inside one of them. */
  function elementsOf(code, selector = "") {
    const sku = `[data-sku="${CSS.escape(code)}"]`;
    return document.querySelectorAll(
      selector ? `${selector}${sku}, ${sku} ${selector}` : sku,
    );
  }

  function words(status) {
    return statusWords[status] || status;
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
      element.dataset.sequence = String(sku.sequence);
    }
    for (const badge of elementsOf(sku.code, ".badge")) drawBadge(badge, sku);
    for (const section of elementsOf(sku.code, ".stock")) {
      drawStock(section, sku, figures.warehouses);
    }
    drawAddButtons(sku);
    const lineNews = drawLines(sku);

    // One message per change: a cart line's fate matters more there.
    if (lineNews) announce(sku, lineNews);
    else if (before && before !== sku.status) announce(sku, words(sku.status));
  }

  function drawBadge(badge, sku) {
    for (const name of [...badge.classList]) {
      if (name.startsWith("badge-")) badge.classList.remove(name);
    }
    badge.classList.add(`badge-${sku.status}`);
    badge.dataset.status = sku.status;
    badge.textContent = words(sku.status);
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

    const body = section.querySelector("table.warehouses tbody");
    if (body && warehouses) drawWarehouses(body, warehouses);
  }

  function drawWarehouses(body, warehouses) {
    // Keep the names the server rendered; a new warehouse shows its code.
    const names = new Map();
    for (const row of body.rows) {
      names.set(row.dataset.warehouse, row.cells[0].textContent);
    }
    body.replaceChildren(...warehouses.map((entry) => {
      const name = names.get(entry.warehouse) || entry.warehouse;
      const eta = entry.incoming && entry.restock_eta;
      const row = make("tr");
      row.dataset.warehouse = entry.warehouse;
      row.append(
        make("th", { scope: "row", textContent: name }),
        make("td", { className: "num", textContent: entry.available }),
        make("td", { className: "num", textContent: entry.incoming }),
        make("td", { textContent: eta ? shortDate.format(parseDay(eta)) : "–" }),
      );
      return row;
    }));
  }

  function make(tag, properties = {}) {
    return Object.assign(document.createElement(tag), properties);
  }

  function drawAddButtons(sku) {
    const selector = `[data-add-to-cart="${CSS.escape(sku.code)}"]`;
    for (const button of document.querySelectorAll(selector)) {
      button.disabled = sku.available === 0;
      button.textContent = sku.available === 0 ? "Out of stock" : "Add to cart";
    }
  }

  /** Mark a SKU's cart lines; return what changed, for a listener. */
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

  // The words the cart page renders (orders.cart.CartLine).
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
    // "Available again" stays until the line is short once more.
    const note = row.querySelector("[data-restored]");
    if (note && (restored || state !== "ok")) note.hidden = !restored;
  }

  /** Disable checkout, saying why, while any line cannot be had. */
  function drawCheckout() {
    const blocked = document.querySelector("[data-checkout-blocked]");
    const link = document.querySelector("[data-checkout-link]");
    if (!blocked || !link) return;

    const fixes = [];
    for (const row of document.querySelectorAll("tr[data-quantity]")) {
      const available = Number(row.dataset.available);
      const state = lineState(Number(row.dataset.quantity), available);
      if (state !== "ok") fixes.push(fixText(state, row.dataset.name, available));
    }

    blocked.querySelector(".fixes").replaceChildren(
      ...fixes.map((text) => make("li", { textContent: text })),
    );
    const count = fixes.length;
    blocked.querySelector("button").textContent =
      `Check out: fix ${count} line${count === 1 ? "" : "s"} first`;
    blocked.hidden = count === 0;
    link.hidden = count > 0;
  }

  /** Tell screen readers of a change: one message per SKU per moment. */
  function announce(sku, text) {
    announcements.set(sku.code, `${sku.name}: ${text}`);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      const region = document.getElementById("live-announcer");
      if (region) region.textContent = [...announcements.values()].join(". ");
      announcements.clear();
    }, ANNOUNCE_DELAY_MS);
  }

  function parseDay(text) {
    const [year, month, day] = text.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day));
  }

  // A snapshot carries warehouses but no restock date: the date shown is
  // the first among warehouses with stock incoming, as on the server.
  function earliestEta(warehouses) {
    const dates = warehouses
      .filter((entry) => entry.incoming > 0 && entry.restock_eta)
      .map((entry) => entry.restock_eta);
    return dates.sort()[0] || null;
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
        for (let attempt = 1; attempt <= STALE_RETRIES; attempt += 1) {
          const [answer] = await readAvailability([sku.code]);
          if (!answer) break;
          if (answer.sequence >= sku.sequence) {
            apply(sku, answer);
            break;
          }
          // An answer from before the event just shown (a cache not yet
          // moved on): the newer one is moments away, so ask again.
          await new Promise((done) => setTimeout(done, STALE_RETRY_MS * attempt));
        }
      } while (sku.readAgain);
    } catch {
      // The totals are right already; the next event reads again.
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
    if (!response.ok) throw new Error(`availability: ${response.status}`);
    return (await response.json()).results;
  }

  // ---- The socket, and polling while it fails -----------------------

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
      if (sku.sequence >= 0) since[sku.code] = sku.sequence;
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
    const mine = (handler) => (event) => socket === live.socket && handler(event);
    socket.addEventListener("open", mine(onOpen));
    socket.addEventListener("message", mine((event) => onMessage(event.data)));
    socket.addEventListener("close", mine(onClose));
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
    } else {
      setState("connecting");
      live.retryTimer = setTimeout(connect, backoff(live.failures));
    }
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
    for (let start = 0; start < codes.length; start += POLL_CHUNK) {
      let answers = [];
      try {
        answers = await readAvailability(codes.slice(start, start + POLL_CHUNK));
      } catch {
        // The server may be down as well; the next round tries again.
      }
      // A socket may have opened while the request was out; from then on
      // it is the one source of figures.
      if (!live.polling || live.pollRound !== round) return;
      for (const answer of answers) {
        const sku = skus.get(answer.sku);
        // Only newer figures: a poll never takes the page back in time.
        if (sku && answer.sequence > sku.sequence) apply(sku, answer);
      }
    }
    live.pollTimer = setTimeout(() => poll(round), POLL_MS);
  }

  // The browser says the network is back: try the socket now rather
  // than at the next retry.
  window.addEventListener("online", () => live.socket || connect());
  connect();
})();
