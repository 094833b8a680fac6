// Keyboard shortcuts. In the queue: j / k move between tickets, Enter opens one, / goes
// to the search box. On a ticket: j / k open the next / previous ticket of the last
// queue view, c claims, r goes to the reply box, n to the note box, u back to the queue.
// The queue view is remembered in sessionStorage, so it is per tab.
(function () {
  "use strict";
  const VIEW = "ticketd.queue-view";

  function typing(event) {
    const t = event.target;
    return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName);
  }

  function queueKeys(links) {
    sessionStorage.setItem(VIEW, JSON.stringify({
      url: window.location.href,
      codes: links.map(function (a) { return a.dataset.code; }),
    }));
    return function (key) {
      const at = links.indexOf(document.activeElement);
      if (key === "j" || key === "k") {
        const next = at < 0 ? 0 : at + (key === "j" ? 1 : -1);
        if (links[next]) links[next].focus();
      } else if (key === "/") {
        document.getElementById("q").focus();
      } else {
        return false;
      }
      return true;
    };
  }

  function ticketKeys(page) {
    const view = JSON.parse(sessionStorage.getItem(VIEW) || "null");
    const codes = view ? view.codes : [];
    const at = codes.indexOf(page.dataset.code);
    function open(code) { if (code) window.location.href = page.dataset.base + "/tickets/" + code; }
    function focus(id) { const el = document.getElementById(id); if (el) el.focus(); }
    return function (key) {
      if (key === "j" && at >= 0) open(codes[at + 1]);
      else if (key === "k" && at > 0) open(codes[at - 1]);
      else if (key === "c") { const b = document.getElementById("claim"); if (b) b.click(); }
      else if (key === "r") focus("reply");
      else if (key === "n") focus("note");
      else if (key === "u") window.location.href = view ? view.url : page.dataset.base + "/";
      else return false;
      return true;
    };
  }

  const page = document.getElementById("ticket");
  const links = Array.from(document.querySelectorAll("a[data-code]"));
  const handle = page ? ticketKeys(page) : queueKeys(links);
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event)) return;
    if (handle(event.key)) event.preventDefault();
  });
})();
