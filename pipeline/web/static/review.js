// Keyboard shortcuts for the review queue. Elements declare their keys in the HTML:
// data-keys="a" is clicked by "a", data-focus-keys="e" is focused (and selected) by "e".
(() => {
  "use strict";
  let submitting = false;

  const withKey = (attribute, key) =>
    Array.from(document.querySelectorAll(`[${attribute}]`)).find((el) =>
      el.getAttribute(attribute).split(" ").includes(key));

  // A decision posts once: a second key press while the page changes must not post again.
  document.addEventListener("submit", () => { submitting = true; });

  function moveInQueue(event) {
    const rows = Array.from(document.querySelectorAll("tr[data-href]"));
    if (!rows.length) return false;
    let i = Math.max(0, rows.findIndex((row) => row.classList.contains("selected")));
    if (["j", "n", "ArrowDown"].includes(event.key)) i = Math.min(rows.length - 1, i + 1);
    else if (["k", "ArrowUp"].includes(event.key)) i = Math.max(0, i - 1);
    else if (["Enter", "o"].includes(event.key)) {
      window.location.assign(rows[i].dataset.href);
      return true;
    } else return false;
    rows.forEach((row) => row.classList.remove("selected"));
    rows[i].classList.add("selected");
    rows[i].scrollIntoView({ block: "nearest" });
    return true;
  }

  // Keep the current fact visible in the paper's list of facts (it can be long).
  const current = document.querySelector(".paper .others li.current");
  const sidebar = document.querySelector(".paper");
  if (current && sidebar) {
    sidebar.scrollTop = current.offsetTop - sidebar.offsetTop - sidebar.clientHeight / 2;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || submitting) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.matches("input, textarea, select")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (document.body.dataset.page === "queue" && moveInQueue(event)) {
      event.preventDefault();
      return;
    }
    const field = withKey("data-focus-keys", event.key);
    if (field) {
      event.preventDefault();
      field.focus();
      if (typeof field.select === "function") field.select();
      return;
    }
    const control = withKey("data-keys", event.key);
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
