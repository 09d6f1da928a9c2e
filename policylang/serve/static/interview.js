// The interview page: choose a policy, answer the questions it asks in the order the
// service ranks them, and watch the decisions and the explanation follow.
//
// This module owns the page's state and its flow; the question's fields are made in
// fields.js, the panels around it in panels.js, the requests in service.js, the words
// in words.js. The fact set lives in this tab's memory only: never in the URL, never in
// the browser's storage. Requests wait for a short pause in the typing (DEBOUNCE_MS),
// and only the newest answer is ever shown (service.js, Latest).

import { fill, h, keepingFocus } from "./dom.js";
import { answerOf, buildQuestion, draftOf, kindOf } from "./fields.js";
import {
  answerList,
  decidedValues,
  decisionLabel,
  decisionList,
  errorParts,
  factLabel,
  factsFileName,
  orderedFacts,
  progressText,
  upcomingList,
  warningList,
} from "./panels.js";
import {
  Latest,
  ServiceError,
  evaluate,
  explanationHtml,
  listPolicies,
  manifestOf,
  questionsFor,
} from "./service.js";
import { labelText, parseExactJson } from "./values.js";
import { LANGUAGES, listed, preferredLanguage, say } from "./words.js";

const DEBOUNCE_MS = 300;
const UNPROCESSABLE = 422;

const $ = (id) => document.getElementById(id);

/** Everything the page knows; drawn into the page by the render* functions. */
const state = {
  lang: preferredLanguage(),
  audience: "caseworker",
  policies: [],
  name: null, // the chosen policy
  policy: null, // its manifest
  cases: new Map(), // each policy's answers so far, while the tab is open
  facts: {}, // the fact set being built: fact name -> value, as in a facts file
  drafts: {}, // fact name -> what was typed in its field (fields.js)
  skipped: new Set(),
  current: null, // the fact being asked
  settles: [], // the decisions its answer can settle, by the ranking when it was asked
  questions: [], // the open questions, ranked, from the last evaluation
  result: null, // the last evaluation's result
  decidedBefore: null, // the decisions at the evaluation before, to announce what is new
  error: null, // the service's error about the fact set, while it stands
  widget: null, // the current question's fields
};

// -- requests: debounced, newest wins -----------------------------------------------------

const loading = new Latest(); // the manifest of the chosen policy
const evaluation = new Latest(); // evaluate + questions
const explaining = new Latest(); // the explanation fragment
let timer = null;
let pending = Promise.resolve();

/** Ask again after a short pause in the typing. */
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => refresh(), DEBOUNCE_MS);
  busy(true);
}

/** Ask now: the result, the questions and the explanation for the facts as they are. */
function refresh() {
  clearTimeout(timer);
  timer = null;
  pending = Promise.all([refreshEvaluation(), refreshExplanation()]);
  return pending;
}

/** Wait until the answers on screen are those for the facts as they are now. */
async function settled() {
  if (timer !== null) refresh();
  let waited;
  do {
    waited = pending;
    await waited;
  } while (waited !== pending);
}

/** The result and the ranked questions for the facts as they are. */
async function refreshEvaluation() {
  const { name } = state;
  const facts = state.facts;
  busy(true, "decisions-section");
  const outcome = await evaluation.run((signal) =>
    Promise.all([evaluate(name, facts, signal), questionsFor(name, facts, signal)]),
  );
  if (outcome === null) return; // a newer request is under way
  busy(false, "decisions-section");
  if (outcome.error) {
    showProblem(outcome.error);
    return;
  }
  const [result, questions] = outcome.answer;
  state.error = null;
  state.decidedBefore = state.result ? decidedValues(state.result) : null;
  state.result = result;
  state.questions = questions;
  clearProblem();
  renderDecisions(true);
  renderUpcoming();
  renderFacts();
  refreshSettles();
}

/** The explanation for the facts as they are, for the chosen reader and language. */
async function refreshExplanation() {
  const { name, lang, audience } = state;
  busy(true, "explanation-section");
  const outcome = await explaining.run((signal) => explanationHtml(name, state.facts, { lang, audience }, signal));
  if (outcome === null) return;
  busy(false, "explanation-section");
  const note = $("explanation-note");
  if (outcome.error) {
    const unusable = outcome.error instanceof ServiceError && outcome.error.status === UNPROCESSABLE;
    note.textContent = unusable ? say(lang, "explanationStale") : problemText(outcome.error);
    note.hidden = false;
    return;
  }
  note.hidden = true;
  showExplanation(outcome.answer);
}

/** Mark sections as waiting for the service (aria-busy), or done. */
function busy(on, section = null) {
  const sections = section ? [section] : ["decisions-section", "explanation-section"];
  for (const id of sections) $(id).setAttribute("aria-busy", String(on));
}

// -- the flow -----------------------------------------------------------------------------

/** Wire the controls, then load the list of policies. */
async function start() {
  $("lang").value = state.lang;
  renderWords();
  $("lang").addEventListener("change", () => chooseLanguage($("lang").value));
  $("audience").addEventListener("change", () => {
    state.audience = $("audience").value;
    refreshExplanation();
  });
  $("policy").addEventListener("change", () => choosePolicy($("policy").value));
  $("question").addEventListener("submit", (event) => {
    event.preventDefault();
    goOn();
  });
  $("download").addEventListener("click", downloadFacts);
  $("load-button").addEventListener("click", () => $("load").click()); // the browser's file chooser
  $("load").addEventListener("change", () => loadFacts($("load").files[0]));
  $("clear").addEventListener("click", clearAnswers);
  try {
    state.policies = await listPolicies();
  } catch (error) {
    showProblem(error);
    return;
  } finally {
    busy(false, "policy-section");
  }
  renderPolicyChoice();
}

/** A policy was chosen: keep the answers given for the one before, and begin (or go on) with this one. */
async function choosePolicy(name) {
  if (state.policy) state.cases.set(state.name, { facts: state.facts, drafts: state.drafts, skipped: state.skipped });
  for (const requests of [loading, evaluation, explaining]) requests.cancel();
  clearTimeout(timer);
  busy(false);
  busy(false, "policy-section");
  state.name = name || null;
  state.policy = null;
  renderPolicyMeta();
  $("workspace").hidden = true;
  if (!name) return;
  busy(true, "policy-section");
  const outcome = await loading.run((signal) => manifestOf(name, signal));
  if (outcome === null) return;
  busy(false, "policy-section");
  if (outcome.error) {
    showProblem(outcome.error);
    return;
  }
  const kept = state.cases.get(name) ?? { facts: {}, drafts: {}, skipped: new Set() };
  Object.assign(state, { policy: outcome.answer, ...kept, current: null, questions: [], result: null, error: null });
  state.decidedBefore = null;
  clearProblem();
  renderPolicyMeta();
  renderFacts();
  renderDecisions(false);
  fill($("explanation"));
  $("workspace").hidden = false;
  await refresh();
  if (state.name === name) ask(nextQuestion(), { focus: false });
}

/** The question to ask next: the highest ranked one not answered and not skipped. */
function nextQuestion() {
  const open = state.questions.find((q) => !(q.fact in state.facts) && !state.skipped.has(q.fact));
  return open?.fact ?? null;
}

/**
 * What was typed in a field changed: the fact set follows at once, the service after a
 * pause. Returns what the draft answers (fields.js, answerOf).
 */
function onDraft(fact, draft) {
  state.drafts[fact] = draft;
  const spec = state.policy.facts[fact];
  const answer = answerOf(draft, kindOf(spec, state.policy.types), spec, state.policy, state.lang);
  const before = factJson(fact);
  if ("value" in answer) state.facts[fact] = answer.value;
  else delete state.facts[fact];
  if (fact === state.current) state.widget?.showNote(answer.problem ?? null);
  if (factJson(fact) === before) return answer; // the same fact set: nothing to ask
  renderFacts();
  schedule();
  return answer;
}

/** A fact's value as JSON, to tell whether an edit changed the fact set ("" when it is unanswered). */
function factJson(fact) {
  return fact in state.facts ? JSON.stringify(state.facts[fact]) : "";
}

/** "Next question": the answer counts as given (an empty text or list too), then the next ranked question. */
async function goOn() {
  const { name, current: fact } = state;
  if (fact && state.widget) {
    const answer = onDraft(fact, { ...state.widget.read(), confirmed: true });
    if (answer.problem) {
      $("status").textContent = answer.problem; // what was typed cannot be read: stay, and say why
      state.widget.focus();
      return;
    }
    if (!("value" in answer)) state.skipped.add(fact);
  }
  await settled();
  if (state.name !== name) return; // another policy was chosen meanwhile
  if (fact && state.error?.fact === fact) {
    state.widget?.focus();
    return;
  }
  ask(nextQuestion());
}

/** "Skip": leave this question unanswered and go on to the next. */
async function skip() {
  const { name } = state;
  if (state.current) state.skipped.add(state.current);
  await settled();
  if (state.name === name) ask(nextQuestion());
}

/** Ask `fact` now (null: there is nothing left to ask), with the focus on its first field. */
function ask(fact, { focus = true } = {}) {
  state.current = fact;
  state.settles = state.questions.find((q) => q.fact === fact)?.settles ?? [];
  renderQuestion();
  renderUpcoming();
  renderFacts(); // an error about this answer moves from the list to its field
  if (!focus) return;
  const target = state.widget ?? $("question").querySelector(".no-question");
  target?.focus();
}

/** "Remove": the fact is unknown again. */
function removeAnswer(fact) {
  delete state.facts[fact];
  delete state.drafts[fact];
  if (fact === state.current) renderQuestion();
  renderFacts();
  schedule();
}

/** "Clear all answers", after asking. */
function clearAnswers() {
  if (!window.confirm(say(state.lang, "confirmClear"))) return;
  Object.assign(state, { facts: {}, drafts: {}, skipped: new Set() });
  renderFacts();
  refresh().then(() => ask(nextQuestion()));
}

/** Another language: the page's words, the policy's labels and the explanation change; the answers stay. */
function chooseLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  if (state.widget && state.current) state.drafts[state.current] = state.widget.read();
  state.lang = lang;
  renderWords();
  renderPolicyChoice();
  if (state.policy) {
    renderPolicyMeta();
    renderQuestion();
    renderUpcoming();
    renderDecisions(false);
    renderFacts();
    refreshExplanation();
  }
}

// -- the facts file -----------------------------------------------------------------------

/** The fact set as a facts file: JSON, the facts in the policy's order, numbers exact. */
function factsText() {
  return `${JSON.stringify(orderedFacts(state.policy, state.facts), null, 2)}\n`;
}

/** Save the fact set as a facts file the command line reads (policylang eval NAME --facts FILE). */
function downloadFacts() {
  const url = URL.createObjectURL(new Blob([factsText()], { type: "application/json" }));
  const link = h("a", { href: url, download: factsFileName(state.name), hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Read a facts file (a JSON object of facts) as this policy's answers. */
async function loadFacts(file) {
  if (!file) return;
  const { lang } = state;
  busy(true); // from now until the service has answered for the loaded facts
  try {
    const facts = parseExactJson(await file.text());
    if (typeof facts !== "object" || facts === null || Array.isArray(facts)) throw new Error(say(lang, "notAnObject"));
    Object.assign(state, { facts, drafts: {}, skipped: new Set() });
    $("status").textContent = say(lang, "loaded", { file: file.name, n: Object.keys(facts).length });
  } catch (error) {
    busy(false);
    showProblem(say(lang, "notAFactsFile", { file: file.name, why: error.message }));
    return;
  } finally {
    $("load").value = "";
  }
  renderFacts();
  await refresh();
  ask(nextQuestion());
}

// -- drawing the page ---------------------------------------------------------------------

/** The page's own words in the chosen language, and the language of the page itself. */
function renderWords() {
  document.documentElement.lang = state.lang;
  document.title = `${say(state.lang, "title")} · policylang`;
  for (const element of document.querySelectorAll("[data-word]")) {
    element.textContent = say(state.lang, element.dataset.word);
  }
}

/** The policies to choose from, by their titles in the chosen language. */
function renderPolicyChoice() {
  const select = $("policy");
  const options = state.policies.map((policy) =>
    h("option", { value: policy.name }, labelText(policy.title, state.lang) ?? policy.name),
  );
  fill(select, h("option", { value: "" }, say(state.lang, "choose")), options);
  select.value = state.name ?? "";
}

/** The chosen policy's version, validity and name, and the command that reads its facts file. */
function renderPolicyMeta() {
  const summary = state.policies.find((policy) => policy.name === state.name);
  const meta = $("policy-meta");
  if (!summary) {
    meta.textContent = "";
    return;
  }
  const { valid_from: from, valid_until: until } = summary;
  const validity = say(
    state.lang,
    from && until ? "validBetween" : from ? "validFrom" : until ? "validUntil" : "validAlways",
    { from, until },
  );
  meta.textContent = say(state.lang, "policyMeta", { version: summary.version ?? "–", validity, name: summary.name });
  const command = `policylang eval ${summary.name} --facts ${factsFileName(summary.name)}`;
  fill($("facts-file-hint"), say(state.lang, "factsFileHint"), " ", h("code", {}, command));
}

/** The question being asked, with its buttons; or why there is none. */
function renderQuestion() {
  const form = $("question");
  const { lang, policy, current } = state;
  state.widget = null;
  if (!policy) return fill(form);
  if (!current) {
    const left = state.questions.some((q) => !(q.fact in state.facts));
    const why = say(lang, left ? "onlySkipped" : "noQuestions");
    return fill(form, h("p", { class: "no-question", tabindex: "-1" }, why));
  }
  const spec = policy.facts[current];
  const answered = current in state.facts;
  const draft =
    state.drafts[current] ??
    (answered ? draftOf(state.facts[current], kindOf(spec, policy.types), spec, policy, lang) : null);
  state.widget = buildQuestion({
    fact: current,
    spec,
    policy,
    lang,
    draft,
    settles: settlesLine(),
    onInput: (changed) => onDraft(current, changed),
  });
  fill(
    form,
    state.widget.element,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, say(lang, "next")),
      h("button", { type: "button", on: { click: skip } }, say(lang, "skipQuestion")),
    ),
  );
  if (state.error?.fact === current) state.widget.showError(errorParts(state.error, lang));
}

/**
 * The line under the question: the decisions its answer can settle; nothing for an
 * answer being changed (the ranking lists only open questions).
 */
function settlesLine() {
  if (state.settles.length) {
    const labels = state.settles.map((name) => decisionLabel(state.policy, name, state.lang));
    return say(state.lang, "settles", { list: listed(state.lang, labels) });
  }
  return state.current in state.facts ? null : say(state.lang, "noLongerSettles");
}

/**
 * What the current question's answer can settle, by the newest ranking. Once the
 * question is answered the ranking no longer lists it, and the line keeps what it said.
 */
function refreshSettles() {
  if (!state.current || state.current in state.facts) return;
  state.settles = state.questions.find((q) => q.fact === state.current)?.settles ?? [];
  state.widget?.showSettles(settlesLine());
}

/** The questions to come, in the service's ranking. */
function renderUpcoming() {
  if (!state.policy) return;
  const list = upcomingList({
    policy: state.policy,
    questions: state.questions.filter((q) => !(q.fact in state.facts)),
    current: state.current,
    skipped: state.skipped,
    lang: state.lang,
    ask,
  });
  keepingFocus($("upcoming"), () => fill($("upcoming"), list));
}

/** The decisions, and the status line: with `announce`, also what was decided just now. */
function renderDecisions(announce) {
  const { policy, result, lang } = state;
  fill($("decisions"), warningList(result, lang), decisionList(policy, result, lang));
  const before = announce ? state.decidedBefore : decidedValues(result);
  const text = result ? progressText(policy, result, before, lang) : "";
  if ($("status").textContent !== text) $("status").textContent = text;
}

/** The facts of the case: the answers as a reader reads them, and as the facts file holds them. */
function renderFacts() {
  const { policy, facts, lang, error } = state;
  const list = answerList({
    policy,
    facts,
    lang,
    error: error && error.fact !== state.current ? error : null,
    change: ask,
    remove: removeAnswer,
  });
  keepingFocus($("answers"), () => fill($("answers"), list));
  $("facts-json").textContent = factsText();
}

/**
 * The explanation fragment, as the service escaped it; the details a reader opened stay
 * open across updates (the fragment brings its own scoped style, allowed by its hash).
 */
function showExplanation(html) {
  const slot = $("explanation");
  const opened = openDetails(slot);
  keepingFocus(slot, () => {
    slot.innerHTML = html;
    for (const [key, details] of detailKeys(slot)) {
      if (opened.has(key)) details.open = true;
    }
  });
}

function detailKeys(slot) {
  return [...slot.querySelectorAll("details")].map((details, index) => {
    const decision = details.closest("[data-decision]")?.dataset.decision ?? "";
    return [`${decision}:${index}`, details];
  });
}

function openDetails(slot) {
  return new Set(detailKeys(slot).filter(([, details]) => details.open).map(([key]) => key));
}

// -- errors -------------------------------------------------------------------------------

/**
 * An error from the service: beside the field of the fact it is about when there is one
 * (the question being asked, or the answer in the list), otherwise above the workspace.
 */
function showProblem(error) {
  const { lang } = state;
  if (error instanceof ServiceError && error.status === UNPROCESSABLE && error.fact && state.policy) {
    state.error = error;
    if (error.fact === state.current && state.widget) state.widget.showError(errorParts(error, lang));
    renderFacts();
    const where = error.fact in (state.policy.facts ?? {}) ? factLabel(state.policy, error.fact, lang) : error.fact;
    $("status").textContent = `${say(lang, "rejected")} ${where}.`;
    if (error.fact === state.current || error.fact in state.facts) return;
  }
  $("problem").replaceChildren(typeof error === "string" ? error : problemText(error));
}

function problemText(error) {
  if (error instanceof ServiceError) {
    const hint = error.error.hint ? ` ${say(state.lang, "hint")} ${error.error.hint}` : "";
    return say(state.lang, "serviceError", { why: `${error.message}${hint}` });
  }
  return say(state.lang, "serviceDown", { why: error.message });
}

function clearProblem() {
  $("problem").replaceChildren();
  state.widget?.showError(null);
}

start();
