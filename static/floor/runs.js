/* The runs' pages on the floor (no inline script: the site's CSP forbids it).
   - [data-run-timer]: the run's clock, ticking each second from the server's figures (the start,
     the pauses already over, the pause under way), corrected for the tablet's own clock.
   - form[data-once]: a second tap while the first is on its way does nothing (the server
     checks too: every action is safe to send twice).
   - [data-photo-input]: the chosen photo is shown under the field before it is sent. */
(function () {
  "use strict";

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick(timer) {
    var started = Date.parse(timer.dataset.started);
    var serverNow = Date.parse(timer.dataset.serverNow);
    if (!timer.dataset.offset) {
      timer.dataset.offset = String(serverNow - Date.now());
    }
    var now = Date.now() + Number(timer.dataset.offset);
    if (timer.dataset.ended) {
      now = Date.parse(timer.dataset.ended);
    }
    var paused = Number(timer.dataset.pausedSeconds || 0) * 1000;
    if (timer.dataset.pausedSince) {
      paused += Math.max(0, now - Date.parse(timer.dataset.pausedSince));
    }
    var seconds = Math.max(0, Math.floor((now - started - paused) / 1000));
    timer.textContent =
      Math.floor(seconds / 3600) + ":" + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60);
  }

  function tickAll() {
    document.querySelectorAll("[data-run-timer]").forEach(tick);
  }

  function once(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-once]")) {
      return;
    }
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  }

  function showPhoto(event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]")) {
      return;
    }
    var shown = input.parentNode.querySelector(".photo-chosen");
    if (shown) {
      shown.remove();
    }
    if (input.files && input.files[0] && window.FileReader) {
      // a data: URL (the CSP allows data: pictures, not blob:)
      var reader = new FileReader();
      reader.onload = function () {
        var img = document.createElement("img");
        img.className = "photo-chosen";
        img.alt = "the photo chosen";
        img.src = reader.result;
        input.parentNode.appendChild(img);
      };
      reader.readAsDataURL(input.files[0]);
    }
  }

  document.addEventListener("submit", once, true);
  document.addEventListener("change", showPhoto);
  document.addEventListener("htmx:afterSwap", tickAll);
  document.addEventListener("DOMContentLoaded", function () {
    tickAll();
    window.setInterval(tickAll, 1000);
  });
})();
