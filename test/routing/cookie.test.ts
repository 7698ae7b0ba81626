import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { clearCookieCommand, cookieDomain, setCookieCommand } from "../../src/routing/cookie.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";

test("the cookie domain covers the environment URL's host and its siblings, never a two-label domain", () => {
  assert.equal(cookieDomain("https://app.dev.example.com/shop"), "dev.example.com");
  assert.equal(cookieDomain("http://web.dev.internal:8080"), "dev.internal");
  assert.equal(cookieDomain("https://example.com/"), undefined, "dropping a label would reach the whole company domain");
  assert.equal(cookieDomain("http://localhost:3000"), undefined);
  assert.equal(cookieDomain("http://127.0.0.1:8000/web/"), undefined);
  assert.equal(cookieDomain("http://[::1]:8000/"), undefined);
  assert.equal(cookieDomain("not a url"), undefined);
  assert.equal(cookieDomain(undefined), undefined);
});

test("the recipe sets the routing cookie for a day, same-site, Secure only on an HTTPS site", () => {
  assert.equal(
    setCookieCommand("pr-123", DEFAULT_SIGNAL_NAMES, "https://app.dev.example.com"),
    'document.cookie = "x-route-version=pr-123; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"',
  );
  assert.equal(
    setCookieCommand("pr-7", { ...DEFAULT_SIGNAL_NAMES, cookie: "env" }, "http://127.0.0.1:8000/web/"),
    'document.cookie = "env=pr-7; path=/; max-age=86400; SameSite=Lax"',
  );
  assert.equal(clearCookieCommand(DEFAULT_SIGNAL_NAMES), 'document.cookie = "x-route-version=; path=/; max-age=0; SameSite=Lax"');
});

test("the README gives the same recipe as the pull-request comment", () => {
  const readme = readFileSync("README.md", "utf8");
  const environmentUrl = "https://app.dev.example.com";
  for (const line of [setCookieCommand("pr-123", DEFAULT_SIGNAL_NAMES, environmentUrl), clearCookieCommand(DEFAULT_SIGNAL_NAMES, environmentUrl)]) {
    assert.ok(readme.includes(line), `README.md shows ${line}`);
  }
});
