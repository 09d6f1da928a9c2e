// Values: the policy's types as the manifest gives them, values shown to a reader in the
// chosen language, and the text a person types read as the exact value a facts file holds.

import { listed, say } from "./words.js";

const LOCALES = { da: "da-DK", en: "en-GB" };

/** The text of labels {da, en} in `lang` (the other language when that one is missing). */
export function labelText(labels, lang) {
  if (!labels) return null;
  return labels[lang] ?? labels[lang === "da" ? "en" : "da"] ?? null;
}

/** A name from the policy, readable when it has no label: "not_assessed" -> "not assessed". */
export function humanised(name) {
  return String(name).replaceAll("_", " ");
}

/** The same, with a capital first letter, for a field's label. */
export function titled(name) {
  const text = humanised(name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A type descriptor with a named enum or record looked up in the manifest's `types`
 * ({"type": "enum", "name": "band"} becomes the enum with its values); `optional` kept.
 */
export function resolved(type, types) {
  if (type && type.name && types[type.name] && !type.values && !type.fields) {
    return { ...types[type.name], ...type };
  }
  return type;
}

/** An enum's values with their labels in `lang`: [{value, label}]. */
export function enumOptions(type, types, lang) {
  return (resolved(type, types).values ?? []).map((option) => ({
    value: option.value,
    label: labelText(option.labels, lang) ?? humanised(option.value),
  }));
}

// -- exact numbers ------------------------------------------------------------------------

/** Whether `value` is an exact number kept as its digits (JSON.rawJSON). */
export function isExact(value) {
  return typeof JSON.isRawJSON === "function" && JSON.isRawJSON(value);
}

/** The digits of a number value, as JSON writes them. */
export function numberText(value) {
  return isExact(value) ? value.rawJSON : String(value);
}

/**
 * A number written in JSON form ("-1500.50") as the value a facts file holds: its digits
 * exactly (JSON.rawJSON), so that 0.1 stays 0.1; where the browser has no JSON.rawJSON,
 * a JavaScript number when that is exact, else the digits as text, which the service
 * also accepts for decimals and money.
 */
export function exactNumber(json) {
  if (typeof JSON.rawJSON === "function") return JSON.rawJSON(json);
  const number = Number(json);
  return String(number) === json ? number : json;
}

/** JSON text read with every number kept exactly (reviver with the number's source text). */
export function parseExactJson(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === "number" && context?.source !== undefined ? exactNumber(context.source) : value,
  );
}

/**
 * What a person typed in a number field, read in the page's language.
 * Spaces are ignored; a decimal comma or point is accepted; "20.000" in Danish (or
 * "20,000" in English) could mean twenty thousand or twenty, so it is a problem to
 * fix instead of a guess. Text that is no number at all is passed on as typed, for the
 * service to reject with its own message. Returns {empty}, {problem} or {value}.
 */
export function readNumber(text, lang) {
  const compact = text.replace(/[\s\u00a0\u202f]/g, "");
  if (compact === "") return { empty: true };
  const grouping = lang === "da" ? "." : ",";
  if (new RegExp(`^[+-]?\\d{1,3}(\\${grouping}\\d{3})+$`).test(compact)) {
    return { problem: say(lang, "ambiguousNumber") };
  }
  const parts = /^([+-]?)(\d+)(?:[.,](\d+))?$/.exec(compact);
  if (!parts) return { value: text.trim() };
  const [, sign, whole, fraction] = parts;
  const digits = whole.replace(/^0+(?=\d)/, "");
  return { value: exactNumber(`${sign === "-" ? "-" : ""}${digits}${fraction ? `.${fraction}` : ""}`) };
}

/** A number value as a person types it in `lang` (decimal comma in Danish). */
export function numberInput(value, lang) {
  const text = numberText(value);
  return lang === "da" ? text.replace(".", ",") : text;
}

// -- dates and times ----------------------------------------------------------------------

function pad(number, width = 2) {
  return String(Math.abs(number)).padStart(width, "0");
}

/** The browser's time zone, for the hint of a datetime field. */
export function timeZoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

/**
 * A local date and time from a datetime-local field ("2024-05-04T10:00") as an instant
 * with its UTC offset ("2024-05-04T10:00:00+02:00"), as the policy language requires:
 * the offset is the browser's time zone's on that date.
 */
export function withOffset(local) {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(local);
  if (!match) return local;
  const [, year, month, day, hour, minute, second = "00"] = match;
  const moment = new Date(+year, +month - 1, +day, +hour, +minute, +second);
  const offset = -moment.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${zone}`;
}

/** An instant ("...+02:00" or "...Z") as the browser's local date and time, for a datetime-local field. */
export function localInput(instant) {
  const moment = new Date(instant);
  if (Number.isNaN(moment.getTime())) return "";
  const date = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
  return `${date}T${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
}

// -- values for a reader ------------------------------------------------------------------

/**
 * `value` of type `type` as a reader reads it in `lang`: labels for enum values and
 * rules, "ja"/"nej", dates and amounts written the language's way.
 * `policy` is the manifest (its types and rules).
 */
export function shown(value, type, policy, lang) {
  const locale = LOCALES[lang];
  type = resolved(type ?? {}, policy.types);
  if (value === null || value === undefined) return say(lang, "nullValue");
  switch (type.type) {
    case "bool":
      return value === true ? say(lang, "yes") : value === false ? say(lang, "no") : String(value);
    case "enum":
      return enumOptions(type, policy.types, lang).find((option) => option.value === value)?.label ?? humanised(value);
    case "int":
    case "decimal":
      return shownNumber(value, locale, {});
    case "money":
      return shownNumber(value, locale, { style: "currency", currency: "DKK" });
    case "date":
      return shownDate(value, locale, { dateStyle: "long", timeZone: "UTC" }, `${value}T00:00:00Z`);
    case "datetime":
      return shownDate(value, locale, { dateStyle: "long", timeStyle: "short" }, value);
    case "text":
      return value === "" ? `(${say(lang, "emptyText")})` : String(value);
    case "rule":
      return policy.rules?.[value]?.title ?? String(value);
    case "list":
    case "set":
      return shownList(value, type.of, policy, lang);
    case "record":
      return shownRecord(value, type, policy, lang);
    case "union":
      return shownUnion(value, type, policy, lang);
    default:
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

function shownNumber(value, locale, options) {
  const text = numberText(value);
  const parts = /^-?\d+(?:\.(\d+))?$/.exec(text);
  if (!parts) return text; // not a number (the service says what is wrong with it)
  const fraction = (parts[1] ?? "").length; // 20000.50 keeps its two decimals
  const digits = { minimumFractionDigits: fraction, maximumFractionDigits: fraction };
  return new Intl.NumberFormat(locale, { ...options, ...digits }).format(text);
}

function shownDate(value, locale, options, instant) {
  const moment = new Date(instant);
  return Number.isNaN(moment.getTime()) ? String(value) : new Intl.DateTimeFormat(locale, options).format(moment);
}

function shownList(value, of, policy, lang) {
  if (!Array.isArray(value)) return String(value);
  if (value.length === 0) return say(lang, "emptyList");
  const items = value.map((item) => shown(item, of, policy, lang));
  return resolved(of ?? {}, policy.types).type === "record" ? items.join("; ") : listed(lang, items);
}

function shownRecord(value, type, policy, lang) {
  if (typeof value !== "object" || Array.isArray(value)) return String(value);
  const fields = type.fields ?? {};
  return Object.entries(value)
    .map(([name, item]) => `${titled(name)}: ${shown(item, fields[name], policy, lang)}`)
    .join(", ");
}

function shownUnion(value, type, policy, lang) {
  const options = (type.options ?? []).map((option) => resolved(option, policy.types));
  const wanted = typeof value === "object" && value !== null ? "record" : "enum";
  const option = options.find(
    (candidate) =>
      candidate.type === wanted && (wanted === "record" || (candidate.values ?? []).some((v) => v.value === value)),
  );
  return shown(value, option ?? {}, policy, lang);
}
