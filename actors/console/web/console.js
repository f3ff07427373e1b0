// Gatehouse console: the terminal. Commands go over the WebSocket as {"id", "line"} frames (over
// POST /api/v1/console while the socket is down, and always for /logout, whose answer clears
// the session cookies); replies and pushes are shown as they arrive; the socket reconnects by
// itself with exponential backoff.
"use strict";
(function () {
  const G = window.Gatehouse;
  const R = G.render;
  const $ = (id) => document.getElementById(id);

  const state = {
    ws: null,
    signedIn: false,
    nextId: 1,
    pending: new Map(), // id -> line
    commands: ["/help", "/clear"], // names for Tab completion, filled from /help
    history: [],
    historyAt: 0,
    draft: "",
    backoff: 0,
    retryTimer: null,
  };
  const maxHistory = 200;
  const maxEntries = 1000;

  // --- scrollback -------------------------------------------------------------------------
  function print(kind, content) {
    const box = $("scrollback");
    const entry = R.el("div", "entry " + kind);
    if (typeof content === "string") entry.textContent = content;
    else entry.appendChild(content);
    box.appendChild(entry);
    while (box.childElementCount > maxEntries) box.firstElementChild.remove();
    box.scrollTop = box.scrollHeight;
    return entry;
  }

  function setConnection(kind, text) {
    const c = $("conn");
    c.dataset.state = kind;
    c.textContent = text;
  }

  // --- replies and pushes -----------------------------------------------------------------
  function commandWords(usage) {
    return usage.split(" ").filter((w) => !w.startsWith("<") && !w.startsWith("[")).join(" ");
  }

  function showResult(line, result) {
    const name = line.trim().split(/\s+/)[0].toLowerCase();
    if (name === "/help" && Array.isArray(result)) {
      rememberCommands(result);
      print("ok", R.value(result.map((c) => ({ command: c.usage, help: c.help }))));
      return;
    }
    if (name === "/checkout" && result && R.isUrl(result.url)) {
      const box = R.el("div");
      box.appendChild(document.createTextNode("Checkout started. Stripe's page: "));
      box.appendChild(R.link(result.url, "open the checkout"));
      box.appendChild(document.createTextNode(" — the payment shows up here when it completes."));
      print("ok", box);
      window.open(result.url, "_blank", "noopener,noreferrer");
      return;
    }
    if (name === "/link" && result && R.isUrl(result.url)) {
      // The provider's sign-in replaces this page and comes back to the console, linked.
      const provider = new URL(result.url).pathname.split("/")[5] || "the provider";
      const a = R.link(result.url, "Continue with " + provider);
      a.removeAttribute("target");
      const box = R.el("div");
      box.appendChild(document.createTextNode("Sign in there to link it: "));
      box.appendChild(a);
      print("ok", box);
      return;
    }
    if (name === "/logout") return;
    print("ok", R.value(result));
  }

  function rememberCommands(list) {
    const names = list.map((c) => commandWords(c.usage));
    state.commands = Array.from(new Set(names.concat(["/clear"]))).sort();
  }

  function onFrame(event) {
    let msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (msg && typeof msg.event === "string") {
      const box = R.el("div");
      box.appendChild(R.el("strong", "", msg.event));
      box.appendChild(R.value(msg.data === undefined ? null : msg.data));
      print("push", box);
      return;
    }
    if (!msg || typeof msg.ok !== "boolean") return;
    const line = state.pending.get(msg.id);
    state.pending.delete(msg.id);
    if (line === "") { // the silent /help of a new connection
      if (msg.ok && Array.isArray(msg.result)) rememberCommands(msg.result);
      return;
    }
    if (msg.ok) showResult(line || "", msg.result);
    else print("err", R.problem(msg.error));
  }

  // --- the socket ---------------------------------------------------------------------------
  function connect() {
    clearTimeout(state.retryTimer);
    if (!state.signedIn) return;
    setConnection("connecting", "Connecting…");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/api/v1/ws");
    state.ws = ws;
    ws.onopen = () => {
      G.auth.mark("gatehouse:connected");
      state.backoff = 0;
      setConnection("online", "Connected");
      send("", { cmd: "help" });
    };
    ws.onmessage = onFrame;
    ws.onclose = (ev) => {
      if (state.ws !== ws) return;
      state.ws = null;
      // Gatehouse closes with 1008 when the access cookie expires: refresh and return at once.
      if (ev.code === 1008 && /expired/.test(ev.reason)) state.backoff = 0;
      for (const [id, line] of state.pending)
        if (line) print("err", "No answer to " + line + ": the connection dropped.");
      state.pending.clear();
      if (state.signedIn) scheduleReconnect();
      else setConnection("offline", "Not connected");
    };
  }

  function scheduleReconnect() {
    // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter so many clients do not return at once.
    const delay = Math.min(30000, 500 * 2 ** state.backoff) * (0.75 + Math.random() * 0.5);
    state.backoff = Math.min(state.backoff + 1, 10);
    setConnection("offline", "Reconnecting in " + Math.max(1, Math.round(delay / 1000)) + " s");
    state.retryTimer = setTimeout(async () => {
      // The socket may have dropped because the session ended or the access cookie expired.
      const user = await G.auth.currentUser();
      if (!state.signedIn) return;
      if (user === null) { signedOut("Your session has ended; sign in again."); return; }
      connect(); // signed in, or Gatehouse unreachable: the attempt decides the next delay
    }, delay);
  }

  function send(line, frame) {
    const id = state.nextId++;
    state.pending.set(id, line);
    state.ws.send(JSON.stringify(Object.assign({ id }, frame)));
  }

  // --- commands -------------------------------------------------------------------------------
  async function viaRest(line) {
    let r = await G.api("POST", "/api/v1/console", { line });
    if (r.status === 401 && (await G.api("POST", "/api/v1/auth/refresh")).status === 200)
      r = await G.api("POST", "/api/v1/console", { line });
    if (r.status === 200 && r.body && typeof r.body.ok === "boolean") {
      onFrame({ data: JSON.stringify(Object.assign(r.body, { id: "rest" })) });
      return r.body.ok;
    }
    print("err", R.problem(r.body || { title: "Error", status: r.status }));
    return false;
  }

  async function run(line) {
    const trimmed = line.trim();
    if (!trimmed) return;
    print("input", trimmed);
    remember(trimmed);
    const name = trimmed.split(/\s+/)[0].toLowerCase();
    if (name === "/clear") { $("scrollback").replaceChildren(); return; }
    if (name === "/logout") { await signOut(trimmed); return; }
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      send(trimmed, { line: trimmed });
      return;
    }
    state.pending.set("rest", trimmed);
    await viaRest(trimmed);
  }

  async function signOut(line) {
    // Over REST: its answer carries the Set-Cookie headers that end the browser's session.
    state.pending.set("rest", line || "/logout");
    await viaRest(line || "/logout");
    signedOut("You are signed out.");
  }

  // --- history and completion ---------------------------------------------------------------
  function remember(line) {
    if (state.history[state.history.length - 1] !== line) state.history.push(line);
    if (state.history.length > maxHistory) state.history.shift();
    state.historyAt = state.history.length;
    state.draft = "";
  }

  function recall(step) {
    const input = $("prompt");
    if (state.historyAt === state.history.length) state.draft = input.value;
    const at = Math.max(0, Math.min(state.history.length, state.historyAt + step));
    if (at === state.historyAt) return;
    state.historyAt = at;
    input.value = at === state.history.length ? state.draft : state.history[at];
    input.setSelectionRange(input.value.length, input.value.length);
  }

  /// Completes the command name being typed; true when Tab was used for it.
  function complete() {
    const input = $("prompt");
    const typed = input.value.replace(/^\s+/, "");
    if (!typed.startsWith("/")) return false;
    const matches = state.commands.filter((c) => c.startsWith(typed.toLowerCase()) && c !== typed.trimEnd());
    if (matches.length === 0) return false; // Tab moves the focus on, as everywhere else
    if (matches.length === 1) {
      input.value = matches[0] + " ";
      return true;
    }
    let prefix = matches[0];
    for (const m of matches) while (!m.startsWith(prefix)) prefix = prefix.slice(0, -1);
    if (prefix.length > typed.length) input.value = prefix;
    else print("info", matches.join("   "));
    return true;
  }

  function onKey(event) {
    if (event.key === "ArrowUp") { event.preventDefault(); recall(-1); }
    else if (event.key === "ArrowDown") { event.preventDefault(); recall(1); }
    else if (event.key === "Tab" && !event.shiftKey && complete()) event.preventDefault();
  }

  // --- session --------------------------------------------------------------------------------
  function signedIn(user) {
    state.signedIn = true;
    G.auth.show("console");
    $("signout").hidden = false;
    const who = user ? user.email || user.phone || user.id : "";
    print("info", "Signed in" + (who ? " as " + who : "") + ". Type /help for the commands.");
    connect();
    $("prompt").focus();
    G.auth.mark("gatehouse:prompt");
  }

  function signedOut(message) {
    state.signedIn = false;
    clearTimeout(state.retryTimer);
    if (state.ws) { const ws = state.ws; state.ws = null; ws.close(1000, "signed out"); }
    state.pending.clear();
    $("signout").hidden = true;
    $("scrollback").replaceChildren();
    state.history = [];
    state.historyAt = 0;
    setConnection("offline", "Not connected");
    G.auth.signIn(message);
  }

  async function start() {
    G.auth.wire(signedIn);
    $("prompt-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("prompt");
      const line = input.value;
      input.value = "";
      run(line);
    });
    $("prompt").addEventListener("keydown", onKey);
    $("signout").addEventListener("click", () => signOut());

    const params = new URLSearchParams(location.search);
    if (location.pathname === "/reset-password") {
      const token = params.get("token") || "";
      history.replaceState(null, "", "/"); // the token leaves the address bar and the history
      G.auth.resetPassword(token);
      return;
    }
    const checkout = params.get("checkout");
    if (checkout) history.replaceState(null, "", "/");
    const user = await G.auth.currentUser();
    if (!user) { G.auth.signIn(user === undefined ? "Gatehouse cannot be reached; try again soon." : ""); return; }
    signedIn(user);
    if (checkout === "complete") print("info", "Checkout finished at Stripe; the payment shows up here once Stripe confirms it.");
    if (checkout === "cancelled") print("info", "Checkout cancelled.");
  }

  /// Closes the socket as a dropped network would (it then reconnects by itself).
  G.dropSocket = () => { if (state.ws) state.ws.close(4000, "dropped"); };

  document.addEventListener("DOMContentLoaded", start);
})();
