// The panels around the question: the decisions so far, the questions to come, and the
// facts of the case. Each is drawn anew from the page's state; none keeps state of its own.

import { h, hidden } from "./dom.js";
import { labelText, shown, titled } from "./values.js";
import { listed, say } from "./words.js";

const UPCOMING_SHOWN = 5; // the first questions to come are listed; the rest behind "more questions"
const WAITING_SHOWN = 3; // an undetermined decision names this many of the facts it waits for

/** A fact's label in `lang` (its name, readable, when the policy gives none). */
export function factLabel(policy, fact, lang) {
  return labelText(policy.facts[fact]?.labels, lang) ?? titled(fact);
}

/** A decision's label in `lang`. */
export function decisionLabel(policy, name, lang) {
  return labelText(policy.decisions[name]?.labels, lang) ?? titled(name);
}

// -- decisions ----------------------------------------------------------------------------

/** Whether each decision is decided, in the manifest's order: [{name, status, value, waits}]. */
export function decisionStates(policy, result) {
  return Object.keys(policy.decisions).map((name) => {
    if (result && name in result.decisions) return { name, status: "decided", value: result.decisions[name] };
    if (result && name in (result.no_rule ?? {})) return { name, status: "no-rule" };
    return { name, status: "undetermined", waits: result?.undetermined?.[name] ?? [] };
  });
}

/** The decisions panel's list: each decision with its value, or what it waits for. */
export function decisionList(policy, result, lang) {
  return h(
    "ul",
    { class: "decision-list" },
    decisionStates(policy, result).map((state) =>
      h(
        "li",
        { class: `decision ${state.status}`, dataset: { decision: state.name, status: state.status } },
        h("span", { class: "decision-label" }, decisionLabel(policy, state.name, lang)),
        h("span", { class: "decision-status" }, statusWord(state.status, lang)),
        h("span", { class: "decision-value" }, decisionText(policy, state, lang)),
      ),
    ),
  );
}

function statusWord(status, lang) {
  return say(lang, status === "decided" ? "decided" : status === "no-rule" ? "noRule" : "undetermined");
}

function decisionText(policy, state, lang) {
  if (state.status === "decided") return shown(state.value, policy.decisions[state.name], policy, lang);
  if (state.status === "no-rule" || state.waits.length === 0) return "";
  const labels = state.waits.map((fact) => factLabel(policy, fact, lang));
  const named = labels.slice(0, WAITING_SHOWN);
  const list =
    labels.length > WAITING_SHOWN
      ? say(lang, "andMore", { list: named.join(", "), n: labels.length - WAITING_SHOWN })
      : listed(lang, named);
  return say(lang, "waitsFor", { list });
}

/** The result's warnings, in `lang`. */
export function warningList(result, lang) {
  const warnings = result?.warnings ?? [];
  if (warnings.length === 0) return null;
  return h(
    "div",
    { class: "warnings" },
    h("h3", {}, say(lang, "warnings")),
    h("ul", {}, warnings.map((warning) => h("li", {}, warning[lang] ?? warning.en ?? warning.code))),
  );
}

/** What the status line announces after an evaluation: what was decided just now, and how far the case is. */
export function progressText(policy, result, before, lang) {
  const states = decisionStates(policy, result);
  const decided = states.filter((state) => state.status === "decided");
  const fresh = decided
    .filter((state) => !before || !(state.name in before) || before[state.name] !== JSON.stringify(state.value))
    .map((state) => {
      const value = shown(state.value, policy.decisions[state.name], policy, lang);
      return `${decisionLabel(policy, state.name, lang)}: ${value}`;
    });
  const progress = say(lang, "progress", { decided: decided.length, total: states.length });
  return before && fresh.length ? `${say(lang, "nowDecided", { list: fresh.join("; ") })} ${progress}` : progress;
}

/** The decided values, to tell next time which are new. */
export function decidedValues(result) {
  const decided = Object.entries(result?.decisions ?? {});
  return Object.fromEntries(decided.map(([name, value]) => [name, JSON.stringify(value)]));
}

// -- questions to come --------------------------------------------------------------------

/**
 * The ranked questions still open, but the one being asked: the first few as a list,
 * the rest behind "more questions"; each a button that asks it now.
 */
export function upcomingList({ policy, questions, current, skipped, lang, ask }) {
  const open = questions.filter((question) => question.fact !== current);
  if (open.length === 0) return null;
  const item = (question) =>
    h(
      "li",
      { dataset: { fact: question.fact } },
      h(
        "button",
        {
          type: "button",
          class: "link",
          dataset: { key: `ask:${question.fact}` },
          on: { click: () => ask(question.fact) },
        },
        question[lang] ?? factLabel(policy, question.fact, lang),
      ),
      skipped.has(question.fact) ? h("span", { class: "skipped" }, ` (${say(lang, "skipped")})`) : null,
    );
  const first = open.slice(0, UPCOMING_SHOWN);
  const rest = open.slice(UPCOMING_SHOWN);
  return h(
    "div",
    { class: "upcoming" },
    h("h3", { id: "upcoming-heading" }, say(lang, "upcoming")),
    h("p", { class: "hint" }, say(lang, "upcomingHint")),
    h("ol", { "aria-labelledby": "upcoming-heading" }, first.map(item)),
    rest.length
      ? h(
          "details",
          {},
          h("summary", {}, say(lang, "moreQuestions", { n: rest.length })),
          h("ol", { start: UPCOMING_SHOWN + 1 }, rest.map(item)),
        )
      : null,
  );
}

// -- the facts of the case ----------------------------------------------------------------

/** The facts in the manifest's order, then any the policy does not declare (from a loaded file). */
export function orderedFacts(policy, facts) {
  const declared = Object.keys(policy.facts).filter((fact) => fact in facts);
  const others = Object.keys(facts).filter((fact) => !(fact in policy.facts));
  return Object.fromEntries([...declared, ...others].map((fact) => [fact, facts[fact]]));
}

/**
 * The answers so far: each fact with its value as a reader reads it, buttons to change or
 * remove it, and the service's error beside the fact it is about.
 */
export function answerList({ policy, facts, lang, error, change, remove }) {
  const names = Object.keys(orderedFacts(policy, facts));
  if (names.length === 0) return h("p", { class: "empty" }, say(lang, "noAnswers"));
  return h(
    "ul",
    { class: "answers" },
    names.map((fact) => {
      const label = factLabel(policy, fact, lang);
      const spec = policy.facts[fact];
      const value = spec ? shown(facts[fact], spec, policy, lang) : JSON.stringify(facts[fact]);
      return h(
        "li",
        { dataset: { fact }, class: error?.fact === fact ? "answer invalid" : "answer" },
        h("span", { class: "answer-label" }, label),
        h("span", { class: "answer-value" }, value),
        h(
          "span",
          { class: "answer-actions" },
          spec
            ? h(
                "button",
                { type: "button", dataset: { key: `change:${fact}` }, on: { click: () => change(fact) } },
                say(lang, "change"),
                hidden(` ${label}`),
              )
            : null,
          h(
            "button",
            { type: "button", dataset: { key: `remove:${fact}` }, on: { click: () => remove(fact) } },
            say(lang, "remove"),
            hidden(` ${label}`),
          ),
        ),
        error?.fact === fact ? errorText(error, lang) : null,
      );
    }),
  );
}

/** The service's error about an answer, as the service words it: message and hint. */
export function errorParts(error, lang) {
  const detail = error.error ?? {};
  return [
    h("strong", {}, say(lang, "rejected")),
    " ",
    detail.message ?? error.message,
    detail.hint ? [" ", h("span", { class: "error-hint" }, `${say(lang, "hint")} ${detail.hint}`)] : null,
  ].flat().filter((part) => part !== null);
}

/** The same as a paragraph of its own, beside an answer in the list. */
export function errorText(error, lang) {
  return h("p", { class: "error" }, errorParts(error, lang));
}

/** The facts file's name for a policy: benefit.facts.json for examples/benefit. */
export function factsFileName(name) {
  return `${name.split("/").pop()}.facts.json`;
}
