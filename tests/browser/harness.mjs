// What the browser tests share: the browser_stack helper (tests/browser/browser_stack.cpp, named
// by BROWSER_STACK: Gatehouse with its services, speaking one line at a time on stdin/stdout) and
// Debian's chromium, launched so that nothing but this machine is reachable.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

/// Starts browser_stack with `args`. `next(timeoutMs)` is the next line it prints, `send(line)`
/// writes one to it, `stop()` asks it to quit and waits until it has.
export function startStack(args = []) {
  const child = spawn(process.env.BROWSER_STACK, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  return {
    next(timeoutMs = 60000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("browser_stack said nothing")), timeoutMs);
        lines.once("line", (line) => { clearTimeout(timer); resolve(line); });
      });
    },
    send(line) { child.stdin.write(line + "\n"); },
    async stop() {
      child.stdin.end("quit\n");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/// Headless chromium (CHROMIUM, else Debian's /usr/bin/chromium). playwright-core gives every
/// launch a fresh, empty --user-data-dir of its own.
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      // Nothing but this machine is reachable: every other name resolves to nothing.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}
