// Building the page's elements: one small helper, so that no text is ever parsed as HTML.
//
// Everything the page shows from a policy or from the service goes through h() as text
// nodes; the only HTML the page inserts as HTML is the explanation fragment, which the
// service escapes (interview.js, showExplanation).

/**
 * A new element: h("p", {class: "hint", id: "x"}, "text", child, ...).
 * Attributes with the value null, undefined or false are left out; `on` maps event names
 * to handlers; `dataset` sets data-* attributes; children may be strings, nodes or arrays.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== "string") {
      element[name] = value; // properties such as checked, value, hidden
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(...present(children));
  return element;
}

/** The children worth adding: nested arrays flattened, null, undefined and false left out. */
function present(children) {
  return children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
}

/** Replace the children of `element` with `children`. */
export function fill(element, ...children) {
  element.replaceChildren(...present(children));
  return element;
}

/** A text only screen readers read (the visual page shows the same thing another way). */
export function hidden(text) {
  return h("span", { class: "visually-hidden" }, text);
}

const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary";

/**
 * Redraw `container` with `draw()` without losing the keyboard focus: an element inside
 * it that had the focus hands it to its counterpart in the new content: the element with
 * the same data-key, else the one in the same place among the focusable ones.
 */
export function keepingFocus(container, draw) {
  const active = document.activeElement;
  if (!active || active === container || !container.contains(active)) {
    draw();
    return;
  }
  const key = active.dataset.key;
  const place = [...container.querySelectorAll(FOCUSABLE)].indexOf(active);
  draw();
  const now = [...container.querySelectorAll(FOCUSABLE)];
  const counterpart = key ? container.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
  (counterpart ?? now[Math.min(place, now.length - 1)] ?? container.closest("[tabindex]"))?.focus();
}
