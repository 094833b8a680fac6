// Keeps the queue current without a reload: polls the view's state every few seconds,
// shows the count of unclaimed tickets in the title, and reloads the page when the
// tickets in view changed (unless someone is typing in the filter form).
(function () {
  "use strict";
  const heading = document.getElementById("queue");
  const live = document.getElementById("live");
  if (!heading) return;
  const every = 3000;
  const baseTitle = document.title;

  function typing() {
    const active = document.activeElement;
    return active && (active.tagName === "INPUT" || active.tagName === "SELECT");
  }

  async function poll() {
    try {
      const answer = await fetch(heading.dataset.state, { credentials: "same-origin" });
      if (answer.status === 401) { window.location.reload(); return; }
      if (!answer.ok) return;
      const state = await answer.json();
      document.title = (state.unclaimed !== "0" ? "(" + state.unclaimed + ") " : "") + baseTitle;
      if (state.view !== heading.dataset.view) {
        if (typing()) {
          live.textContent = "The queue has changed.";
        } else {
          window.location.reload();
        }
      }
    } catch (error) {
      live.textContent = "Cannot reach ticketd; retrying.";
    }
  }

  poll();
  window.setInterval(poll, every);
})();
