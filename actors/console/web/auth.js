// Gatehouse console: the REST calls of a cookie session (CSRF header on every unsafe request)
// and the sign-in, registration, two-factor, forgotten-password and reset forms.
"use strict";
(function () {
  const G = (window.Gatehouse = window.Gatehouse || {});
  const $ = (id) => document.getElementById(id);

  /// The CSRF cookie's value (`gh_csrf`, `__Host-gh_csrf` in production), or "".
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)(?:__Host-)?gh_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /// One same-origin call: `{status, body}` (status 0 when Gatehouse cannot be reached).
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrfToken()) headers["X-CSRF-Token"] = csrfToken();
    let res;
    try {
      res = await fetch(path, {
        method, headers, credentials: "same-origin", cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      return { status: 0, body: { title: "Network error", detail: "Gatehouse cannot be reached" } };
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = { detail: text }; }
    }
    return { status: res.status, body: data };
  }

  const isProblem = (r, slug) => r.body && typeof r.body.type === "string" &&
    r.body.type.endsWith("/" + slug);

  /// The signed-in user, refreshing the session once if the access cookie has expired; null
  /// when there is no session; undefined when Gatehouse cannot be reached (nothing is known).
  async function currentUser() {
    let r = await api("GET", "/api/v1/auth/status");
    if (r.status === 0) return undefined;
    if (r.status === 200 && r.body && r.body.authenticated) return r.body.user;
    if (!csrfToken()) return null; // no session cookies at all
    const refreshed = await api("POST", "/api/v1/auth/refresh");
    if (refreshed.status === 0) return undefined;
    if (refreshed.status !== 200) return null;
    r = await api("GET", "/api/v1/auth/status");
    if (r.status === 0) return undefined;
    return r.status === 200 && r.body && r.body.authenticated ? r.body.user : null;
  }

  const panels = ["auth", "forgot", "reset", "console"];
  function show(id) {
    for (const p of panels) $(p).hidden = p !== id;
  }

  function problemText(r) {
    const b = r.body || {};
    let text = b.detail || b.title || "Something went wrong (" + r.status + ")";
    if (Array.isArray(b.errors) && b.errors.length)
      text += ": " + b.errors.map((e) => e.field + " " + e.message).join("; ");
    return text;
  }

  /// Marks a moment once per page load (the browser tests read them: time to first prompt).
  function mark(name) {
    if (performance.getEntriesByName(name).length === 0) performance.mark(name);
  }

  let registering = false;
  let onSignedIn = () => {};

  function setMode(register) {
    registering = register;
    $("auth-title").textContent = register ? "Create an account" : "Sign in";
    $("auth-submit").textContent = register ? "Create account" : "Sign in";
    $("mode-toggle").textContent = register ? "I have an account" : "Create an account";
    $("password").autocomplete = register ? "new-password" : "current-password";
    $("password-hint").hidden = !register;
    $("totp-row").hidden = true;
    $("auth-error").textContent = "";
  }

  function credentials() {
    const id = $("identifier").value.trim();
    const body = { password: $("password").value, session: "cookie" };
    if (id.includes("@")) body.email = id; else body.phone = id;
    return body;
  }

  async function submitAuth(event) {
    event.preventDefault();
    const error = $("auth-error");
    error.textContent = "";
    if (!$("identifier").value.trim() || !$("password").value) {
      error.textContent = "Enter your email or phone number and your password.";
      return;
    }
    const body = credentials();
    const code = $("totp").value.trim();
    if (!registering && code) body.totp = code;
    $("auth-submit").disabled = true;
    const r = await api("POST", registering ? "/api/v1/auth/register" : "/api/v1/auth/login", body);
    $("auth-submit").disabled = false;
    if (r.status === 200 || r.status === 201) {
      $("password").value = "";
      $("totp").value = "";
      onSignedIn(r.body.user, r.body.expires_in);
      return;
    }
    if (isProblem(r, "mfa-required")) {
      $("totp-row").hidden = false;
      error.textContent = code ? "That code did not work; try the next one." : "Enter your authentication code.";
      $("totp").focus();
      return;
    }
    error.textContent = problemText(r);
  }

  async function submitForgot(event) {
    event.preventDefault();
    const email = $("forgot-email").value.trim();
    const message = $("forgot-message");
    if (!email.includes("@")) {
      message.className = "error";
      message.textContent = "Enter the email address of your account.";
      return;
    }
    const r = await api("POST", "/api/v1/auth/password/forgot", { email });
    message.className = r.status === 202 ? "message" : "error";
    message.textContent = r.status === 202
      ? "If an account has this address, a reset link is on its way. It works for 30 minutes."
      : problemText(r);
  }

  let resetToken = "";
  async function submitReset(event) {
    event.preventDefault();
    const message = $("reset-message");
    const r = await api("POST", "/api/v1/auth/password/reset",
      { token: resetToken, new_password: $("reset-password").value });
    message.className = r.status === 204 ? "message" : "error";
    message.textContent = r.status === 204 ? "Your password is set. Sign in with it." : problemText(r);
    if (r.status === 204) $("reset-password").value = "";
  }

  function signIn(message) {
    setMode(false);
    show("auth");
    mark("gatehouse:sign-in");
    if (message) $("auth-error").textContent = message;
    $("identifier").focus();
  }

  function wire(signedIn) {
    onSignedIn = signedIn;
    $("auth-form").addEventListener("submit", submitAuth);
    $("mode-toggle").addEventListener("click", () => { setMode(!registering); $("identifier").focus(); });
    $("forgot-open").addEventListener("click", () => {
      show("forgot");
      $("forgot-email").value = $("identifier").value.includes("@") ? $("identifier").value.trim() : "";
      $("forgot-email").focus();
    });
    $("forgot-back").addEventListener("click", () => signIn());
    $("forgot-form").addEventListener("submit", submitForgot);
    $("reset-form").addEventListener("submit", submitReset);
    $("reset-back").addEventListener("click", () => signIn());
  }

  function resetPassword(token) {
    resetToken = token;
    show("reset");
    $("reset-password").focus();
  }

  G.api = api;
  G.isProblem = isProblem;
  G.auth = { wire, signIn, resetPassword, currentUser, show, mark };
})();
