// Talking to the service: the HTTP contract (GET /v1/policies, POST /v1/evaluate/{name}, ...),
// its errors, and the rule that only the newest answer is ever shown.
//
// Paths are relative to the page, so the page also works behind a proxy that serves the
// service under a path prefix. Answers about a person are sent in request bodies only,
// never in a URL.

/** A request the service answered with an error: its status and its JSON error object. */
export class ServiceError extends Error {
  constructor(status, error) {
    super(error.message ?? `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }

  /** The fact the error is about, when it is about one. */
  get fact() {
    return this.error.fact ?? (this.error.facts ?? [])[0] ?? null;
  }
}

/** A policy's name as a path: each part escaped, the slashes kept. */
function policyPath(name) {
  return name.split("/").map(encodeURIComponent).join("/");
}

async function request(path, { body, signal } = {}) {
  const init = { signal, cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) {
    let error = { code: "http", message: `${response.status} ${response.statusText}` };
    try {
      error = JSON.parse(text).error ?? error;
    } catch {
      // not JSON: keep the status line
    }
    throw new ServiceError(response.status, error);
  }
  return text;
}

async function requestJson(path, options) {
  return JSON.parse(await request(path, options));
}

/** GET v1/policies: the served policies. */
export async function listPolicies(signal) {
  return (await requestJson("v1/policies", { signal })).policies;
}

/** GET v1/policies/{name}: the policy's manifest. */
export function manifestOf(name, signal) {
  return requestJson(`v1/policies/${policyPath(name)}`, { signal });
}

/** POST v1/evaluate/{name}: the result for the fact set (no trace: the page shows the explanation instead). */
export function evaluate(name, facts, signal) {
  return requestJson(`v1/evaluate/${policyPath(name)}`, { body: { facts, trace: false }, signal });
}

/** POST v1/questions/{name}: the questions still worth asking, the one that settles the most first. */
export async function questionsFor(name, facts, signal) {
  return (await requestJson(`v1/questions/${policyPath(name)}`, { body: { facts }, signal })).questions;
}

/** POST v1/explain/{name}?format=html: the explanation as an HTML fragment, escaped by the service. */
export function explanationHtml(name, facts, { lang, audience }, signal) {
  const query = new URLSearchParams({ format: "html", lang, audience });
  return request(`v1/explain/${policyPath(name)}?${query}`, { body: { facts }, signal });
}

/**
 * Requests where only the newest counts: each run aborts the one before it, and an answer
 * that arrives after a newer run has started is dropped, so a late answer never
 * overwrites a newer one. run() resolves to {answer}, {error}, or null when superseded.
 */
export class Latest {
  constructor() {
    this.generation = 0;
    this.controller = null;
  }

  async run(work) {
    const mine = ++this.generation;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      const answer = await work(controller.signal);
      return mine === this.generation ? { answer } : null;
    } catch (error) {
      return mine === this.generation && error.name !== "AbortError" ? { error } : null;
    }
  }

  /** Drop whatever is under way (a new policy was chosen). */
  cancel() {
    this.generation++;
    this.controller?.abort();
  }
}
