// A question's form fields, made from the fact's type and labels in the policy's manifest.
//
// Each fact type has a kind of field (kindOf): radio buttons for yes/no and short enums,
// a list box for long enums, date and time pickers, text fields for numbers (typed the
// language's way, kept exact), check boxes for a list or set of enum values, a repeatable
// group of rows for a list of records, and JSON for anything else. An optional fact can
// also be answered "no value" (null), which is not the same as leaving it unanswered.
//
// What a person has typed is a *draft* ({none, text} or {none, chosen} or {none, rows},
// and `confirmed` once they went on from the question); answerOf() reads a draft as the
// fact's value, draftOf() makes the draft that shows a value again.

import { h, hidden } from "./dom.js";
import {
  enumOptions,
  labelText,
  localInput,
  numberInput,
  parseExactJson,
  readNumber,
  resolved,
  timeZoneName,
  titled,
  withOffset,
} from "./values.js";
import { say } from "./words.js";

const RADIO_LIMIT = 7; // more enum values than this get a list box instead of radio buttons
const SCALAR = new Set(["bool", "enum", "date", "datetime", "time", "int", "decimal", "money", "text"]);
const EMPTY_IS_AN_ANSWER = new Set(["text", "choices", "records"]);
const NO_VALUE = "(none)"; // the list box's "no value" option: no enum value has parentheses

/** The kind of field for a fact's type (a manifest type descriptor). */
export function kindOf(type, types) {
  const t = resolved(type, types);
  if (SCALAR.has(t.type)) return t.type;
  if ((t.type === "list" || t.type === "set") && t.of) {
    const of = resolved(t.of, types);
    if (of.type === "enum") return "choices";
    const fields = Object.values(of.fields ?? {});
    if (of.type === "record" && fields.every((field) => SCALAR.has(resolved(field, types).type))) return "records";
  }
  return "json";
}

// -- drafts and answers -------------------------------------------------------------------

/**
 * The value a draft gives: {value} when it answers the question (null for "no value"),
 * {} when it does not (yet), {problem} when what was typed cannot be read as a value.
 */
export function answerOf(draft, kind, type, policy, lang) {
  if (!draft) return {};
  if (draft.none) return { value: null };
  if (kind === "choices") return draft.chosen.length || draft.confirmed ? { value: [...draft.chosen] } : {};
  if (kind === "records") return rowsAnswer(draft, type, policy, lang);
  return scalarAnswer(draft.text ?? "", kind, lang, draft.confirmed);
}

function scalarAnswer(text, kind, lang, confirmed = false) {
  if (text === "" && !(confirmed && EMPTY_IS_AN_ANSWER.has(kind))) return {};
  switch (kind) {
    case "bool":
      return { value: text === "true" };
    case "datetime":
      return { value: withOffset(text) };
    case "int":
    case "decimal":
    case "money": {
      const read = readNumber(text, lang);
      return read.empty ? {} : read;
    }
    case "json":
      try {
        return { value: parseExactJson(text) };
      } catch (error) {
        return { problem: say(lang, "badJson", { why: error.message }) };
      }
    default:
      return { value: text };
  }
}

function rowsAnswer(draft, type, policy, lang) {
  if (draft.rows.length === 0) return draft.confirmed ? { value: [] } : {};
  const fields = recordFields(type, policy);
  const rows = [];
  for (const row of draft.rows) {
    const record = {};
    for (const [name, fieldType] of Object.entries(fields)) {
      const answer = scalarAnswer(row[name] ?? "", kindOf(fieldType, policy.types), lang);
      if (answer.problem) return answer;
      if (!("value" in answer)) {
        return { problem: say(lang, "rowsIncomplete", { label: labelText(type.labels, lang) }) };
      }
      record[name] = answer.value;
    }
    rows.push(record);
  }
  return { value: rows };
}

function recordFields(type, policy) {
  return resolved(resolved(type, policy.types).of, policy.types).fields ?? {};
}

/** The draft that shows `value` (a fact's answer) in its field again. */
export function draftOf(value, kind, type, policy, lang) {
  if (value === null) return { none: true, confirmed: true };
  if (kind === "choices") return { chosen: Array.isArray(value) ? [...value] : [], confirmed: true };
  if (kind === "records") {
    const fields = recordFields(type, policy);
    const rows = (Array.isArray(value) ? value : []).map((record) =>
      Object.fromEntries(
        Object.entries(fields).map(([name, fieldType]) => [
          name,
          scalarText(record?.[name], kindOf(fieldType, policy.types), lang),
        ]),
      ),
    );
    return { rows, confirmed: true };
  }
  return { text: scalarText(value, kind, lang), confirmed: true };
}

function scalarText(value, kind, lang) {
  if (value === undefined || value === null) return "";
  switch (kind) {
    case "bool":
      return value === true ? "true" : value === false ? "false" : "";
    case "datetime":
      return localInput(value);
    case "int":
    case "decimal":
    case "money":
      return numberInput(value, lang);
    case "json":
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

// -- the question -------------------------------------------------------------------------

/**
 * The form part for one question: {element, focus(), read(), showError(text), showNote(text)}.
 * `fact` is the fact's name, `spec` its manifest entry, `draft` what was typed so far,
 * `settles` the line saying which decisions its answer can settle (null: no such line),
 * `onInput` is called with the new draft whenever the person changes something.
 */
export function buildQuestion({ fact, spec, policy, lang, draft, settles, onInput }) {
  const kind = kindOf(spec, policy.types);
  const id = `q-${fact}`;
  const ids = { hint: `${id}-hint`, settles: `${id}-settles`, note: `${id}-note`, error: `${id}-error` };
  const describedBy = Object.values(ids).join(" ");
  const context = { id, kind, spec, policy, lang, describedBy, draft: draft ?? {} };
  context.onChange = () => onInput(context.read());
  const part = controlsFor(context);
  const grouped = part.grouped || spec.optional;
  const label = labelText(spec.labels, lang) ?? titled(fact);
  const heading = [label, badges(spec, lang)];
  const none = spec.optional && !part.ownNone ? noValueBox(context, part) : null;
  const hint = [hintFor(kind, lang), spec.optional ? say(lang, "noValueHint") : ""].filter(Boolean).join(" ");
  const element = h(
    grouped ? "fieldset" : "div",
    { class: `question kind-${kind}`, dataset: { fact }, "aria-describedby": grouped ? describedBy : null },
    grouped
      ? h("legend", { class: "question-label" }, heading)
      : h("label", { class: "question-label", for: id }, heading),
    h("p", { class: "hint", id: ids.hint, hidden: !hint }, hint),
    part.element,
    none?.element,
    h("p", { class: "settles", id: ids.settles, hidden: !settles }, settles ?? ""),
    h("p", { class: "note", id: ids.note, hidden: true }),
    h("p", { class: "error", id: ids.error, hidden: true }),
  );
  if (none) applyNone(part, none.box.checked);
  const read = () => {
    const draft = part.read();
    const noValue = none ? none.box.checked : Boolean(draft.none);
    return { ...draft, none: noValue, confirmed: Boolean(context.draft.confirmed) };
  };
  context.read = read;
  return {
    element,
    kind,
    read,
    focus: () => part.first().focus(),
    showError: (content) => showText(element, ids.error, content, part),
    showNote: (content) => showText(element, ids.note, content, null),
    showSettles: (content) => showText(element, ids.settles, content, null),
  };
}

function showText(element, id, content, part) {
  const target = element.querySelector(`#${CSS.escape(id)}`);
  target.replaceChildren(...(content === null || content === undefined ? [] : [content].flat()));
  target.hidden = !content;
  if (!part) return;
  for (const control of part.controls()) {
    if (content) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

function badges(spec, lang) {
  return ["personal", "sensitive", "assessment"]
    .filter((flag) => spec[flag])
    .map((flag) => h("span", { class: `badge badge-${flag}` }, say(lang, flag)));
}

function hintFor(kind, lang) {
  if (kind === "bool" || kind === "enum") return "";
  return say(lang, `kind_${kind}`, { zone: timeZoneName() });
}

function controlsFor(context) {
  switch (context.kind) {
    case "bool":
      return radios(context, [
        { value: "true", label: say(context.lang, "yes") },
        { value: "false", label: say(context.lang, "no") },
      ]);
    case "enum": {
      const options = enumOptions(context.spec, context.policy.types, context.lang);
      return options.length <= RADIO_LIMIT ? radios(context, options) : listBox(context, options);
    }
    case "choices":
      return checkBoxes(context);
    case "records":
      return rows(context);
    default:
      return single(context);
  }
}

// -- the kinds of field -------------------------------------------------------------------

/** One input (date, number, text, JSON): labelled by the question, or by "Værdi" beside "no value". */
function single(context) {
  const { id, kind, lang, spec, describedBy, draft } = context;
  const input = scalarInput(kind, { id, lang, text: draft.text ?? "", describedBy, onChange: context.onChange });
  const element = spec.optional
    ? h("div", { class: "value" }, h("label", { for: id }, say(lang, "the_value")), input)
    : input;
  return { element, read: () => ({ text: input.value }), first: () => input, controls: () => [input] };
}

/** The input for a scalar kind, alone (also a field of a record row). */
function scalarInput(kind, { id, lang, text, describedBy, onChange, options }) {
  const common = { id, "aria-describedby": describedBy, on: { input: onChange } };
  switch (kind) {
    case "date":
      return h("input", { ...common, type: "date", value: text });
    case "datetime":
      return h("input", { ...common, type: "datetime-local", step: "1", value: text });
    case "time":
      return h("input", { ...common, type: "time", value: text });
    case "int":
      return h("input", { ...common, type: "text", inputmode: "numeric", autocomplete: "off", value: text });
    case "decimal":
    case "money":
      return h("input", { ...common, type: "text", inputmode: "decimal", autocomplete: "off", value: text });
    case "json":
      return h("textarea", { ...common, rows: 3, spellcheck: "false" }, text);
    case "bool":
    case "enum": {
      const select = h(
        "select",
        common,
        h("option", { value: "" }, say(lang, "choose")),
        (options ?? []).map((option) => h("option", { value: option.value }, option.label)),
      );
      select.value = text;
      return select;
    }
    default:
      return h("input", { ...common, type: "text", autocomplete: "off", value: text });
  }
}

/** Radio buttons, one per value; an optional fact gets "no value" as one more. */
function radios(context, options) {
  const { id, spec, lang, draft } = context;
  const choices = [...options];
  if (spec.optional) choices.push({ value: "", label: say(lang, "noValue"), none: true });
  const buttons = choices.map((option, index) =>
    h("input", {
      type: "radio",
      name: id,
      id: `${id}-${index}`,
      value: option.value,
      dataset: option.none ? { none: "true" } : {},
      checked: option.none ? Boolean(draft.none) : !draft.none && draft.text === option.value,
      on: { change: context.onChange },
    }),
  );
  const element = h(
    "div",
    { class: "choices" },
    choices.map((option, index) =>
      h("div", { class: "choice" }, buttons[index], h("label", { for: `${id}-${index}` }, option.label)),
    ),
  );
  const checked = () => buttons.find((button) => button.checked);
  return {
    element,
    grouped: true,
    ownNone: true,
    read: () => {
      const none = Boolean(checked()?.dataset.none);
      return { text: none ? "" : checked()?.value ?? "", none };
    },
    first: () => checked() ?? buttons[0],
    controls: () => buttons,
  };
}

/** A list box for an enum with many values; an optional fact gets "no value" as one more option. */
function listBox(context, options) {
  const { id, spec, lang, draft, describedBy } = context;
  const all = spec.optional ? [...options, { value: NO_VALUE, label: say(lang, "noValue") }] : options;
  const select = scalarInput("enum", {
    id,
    lang,
    text: draft.none ? NO_VALUE : draft.text ?? "",
    describedBy,
    onChange: context.onChange,
    options: all,
  });
  return {
    element: select,
    ownNone: true,
    read: () => (select.value === NO_VALUE ? { text: "", none: true } : { text: select.value, none: false }),
    first: () => select,
    controls: () => [select],
  };
}

/** Check boxes for a list or set of enum values. */
function checkBoxes(context) {
  const { id, spec, policy, lang, draft } = context;
  const options = enumOptions(resolved(spec, policy.types).of, policy.types, lang);
  const chosen = new Set(draft.chosen ?? []);
  const boxes = options.map((option, index) =>
    h("input", {
      type: "checkbox",
      id: `${id}-${index}`,
      value: option.value,
      checked: chosen.has(option.value),
      on: { change: context.onChange },
    }),
  );
  const element = h(
    "div",
    { class: "choices" },
    options.map((option, index) =>
      h("div", { class: "choice" }, boxes[index], h("label", { for: `${id}-${index}` }, option.label)),
    ),
  );
  return {
    element,
    grouped: true,
    read: () => ({ chosen: boxes.filter((box) => box.checked).map((box) => box.value) }),
    first: () => boxes[0],
    controls: () => boxes,
  };
}

/** A repeatable group of rows for a list of records: one fieldset per row, rows added and removed. */
function rows(context) {
  const { id, spec, policy, lang } = context;
  const fields = recordFields(spec, policy);
  const label = labelText(spec.labels, lang) ?? titled(id.slice(2));
  let drafts = (context.draft.rows ?? []).map((row) => ({ ...row }));
  const list = h("ol", { class: "rows" });
  const add = h("button", { type: "button", class: "add-row" }, say(lang, "addRow"));

  const readRows = () =>
    [...list.querySelectorAll(".row")].map((row) =>
      Object.fromEntries([...row.querySelectorAll("[data-field]")].map((input) => [input.dataset.field, input.value])),
    );
  const render = () => {
    list.replaceChildren(...drafts.map((row, index) => rowElement(index, row)));
  };
  const rowElement = (index, row) => {
    const rowId = `${id}-r${index}`;
    const remove = h("button", { type: "button", class: "remove-row" }, say(lang, "removeRow", { n: index + 1 }));
    remove.addEventListener("click", () => {
      drafts = readRows();
      drafts.splice(index, 1);
      render();
      context.onChange();
      const next = list.children[Math.min(index, drafts.length - 1)];
      (next?.querySelector("[data-field]") ?? add).focus();
    });
    return h(
      "li",
      { class: "row" },
      h(
        "fieldset",
        {},
        h("legend", {}, say(lang, "row", { label, n: index + 1 })),
        Object.entries(fields).map(([name, fieldType]) => rowField(rowId, name, fieldType, row[name] ?? "", context)),
        remove,
      ),
    );
  };
  add.addEventListener("click", () => {
    drafts = [...readRows(), {}];
    render();
    context.onChange();
    list.querySelector(".row:last-child [data-field]").focus();
  });
  render();
  return {
    element: h("div", { class: "records" }, list, add),
    grouped: true,
    read: () => ({ rows: readRows() }),
    first: () => list.querySelector("[data-field]") ?? add,
    controls: () => [...list.querySelectorAll("[data-field]")],
  };
}

function rowField(rowId, name, fieldType, text, context) {
  const { policy, lang } = context;
  const kind = kindOf(fieldType, policy.types);
  const options =
    kind === "bool"
      ? [
          { value: "true", label: say(lang, "yes") },
          { value: "false", label: say(lang, "no") },
        ]
      : kind === "enum"
        ? enumOptions(fieldType, policy.types, lang)
        : null;
  const input = scalarInput(kind, { id: `${rowId}-${name}`, lang, text, onChange: context.onChange, options });
  input.dataset.field = name;
  const hint = kind === "bool" || kind === "enum" || kind === "text" ? null : hidden(` (${hintFor(kind, lang)})`);
  return h("div", { class: "row-field" }, h("label", { for: `${rowId}-${name}` }, titled(name), hint), input);
}

/** The "no value" check box beside a field, which turns the field off while it is ticked. */
function noValueBox(context, part) {
  const box = h("input", { type: "checkbox", id: `${context.id}-none`, checked: Boolean(context.draft.none) });
  box.addEventListener("change", () => {
    applyNone(part, box.checked);
    context.onChange();
  });
  const label = h("label", { for: box.id }, say(context.lang, "noValue"));
  const element = h("div", { class: "choice no-value" }, box, label);
  return { element, box };
}

function applyNone(part, none) {
  for (const control of part.controls()) control.disabled = none;
  part.element.querySelectorAll("button").forEach((button) => {
    button.disabled = none;
  });
}
