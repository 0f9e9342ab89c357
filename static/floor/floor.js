/* The shop floor's pages: the service worker, the offline notice, the queue's drag to reorder.
 *
 * All of the floor's script lives here (the site's CSP runs no inline script). Offline, an
 * action is refused with "You are offline: ..." and nothing is kept to send later: a move or a
 * run replayed an hour later could land on a queue that has changed meanwhile (README, "Shop
 * floor"). Pages seen online stay readable from the service worker's cache.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var serviceWorkerUrl = script ? script.getAttribute("data-sw") : null;
  var OFFLINE_TEXT =
    "You are offline: {what} was not saved. Nothing is kept to send later; " +
    "do it again when the network is back.";

  var dragging = false;
  var lastMove = null; // {list, order}: to put the rows back when a move cannot be sent

  function worker() {
    return navigator.serviceWorker && navigator.serviceWorker.controller;
  }

  function tellWorker(message) {
    var controller = worker();
    if (controller) {
      controller.postMessage(message);
    }
  }

  /* --- the service worker and what it keeps ------------------------------------------------ */

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !serviceWorkerUrl) {
      return;
    }
    navigator.serviceWorker.register(serviceWorkerUrl, { scope: "/floor/" }).catch(function () {
      /* no worker (an old browser, a private window): the pages still work online */
    });
  }

  function keepForOffline(root, pageChanged) {
    if (document.querySelector("[data-floor-clear-cache]")) {
      tellWorker({ type: "clear" });
      return;
    }
    var rows = root.querySelector ? root.querySelector("[data-cards]") : null;
    var cards = rows ? rows.getAttribute("data-cards").split(" ").filter(Boolean) : [];
    tellWorker({
      type: "keep",
      page: pageChanged ? location.pathname + location.search : null,
      urls: cards,
    });
  }

  /* --- online and offline ------------------------------------------------------------------ */

  function showOffline(offline) {
    document.body.classList.toggle("is-offline", offline);
    var banner = document.getElementById("floor-offline");
    if (banner) {
      banner.hidden = !offline;
    }
  }

  function showError(text) {
    var box = document.querySelector("[data-floor-error]");
    if (!box) {
      box = document.createElement("p");
      box.className = "alert alert--error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-floor-error", "");
      var main = document.getElementById("floor-main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function whatFrom(element) {
    var form = element && element.closest ? element.closest("[data-floor-what]") : null;
    if (form) {
      return form.getAttribute("data-floor-what");
    }
    return element && element.id === "queue-move" ? "the move" : "this action";
  }

  function putRowsBack() {
    var move = lastMove;
    lastMove = null;
    if (!move) {
      return;
    }
    // after SortableJS has finished the drop (this may run inside its onEnd)
    window.setTimeout(function () {
      move.order.forEach(function (id) {
        var row = move.list.querySelector(
          ':scope > .queue-row[data-item="' + id + '"]:not(.sortable-fallback)'
        );
        if (row) {
          move.list.appendChild(row);
        }
      });
      move.list.classList.remove("is-saving");
    }, 0);
  }

  function refuseOffline(element) {
    showOffline(true);
    showError(OFFLINE_TEXT.replace("{what}", whatFrom(element)));
    putRowsBack();
  }

  /* --- drag to reorder (SortableJS) -------------------------------------------------------- */

  function startSortable(root) {
    var scope = root.querySelectorAll ? root : document;
    var lists = scope.querySelectorAll("[data-sortable]");
    if (root.matches && root.matches("[data-sortable]")) {
      lists = [root];
    }
    Array.prototype.forEach.call(lists, function (list) {
      if (list.floorSortable || typeof window.Sortable === "undefined") {
        return;
      }
      var before = null;
      list.floorSortable = window.Sortable.create(list, {
        handle: ".queue-row__handle",
        dataIdAttr: "data-item",
        animation: 150,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        forceFallback: true, // the same drag with a mouse, a finger and a test's pointer
        fallbackOnBody: true, // the row under the finger is drawn outside the list
        fallbackTolerance: 4,
        onStart: function () {
          dragging = true;
          before = list.floorSortable.toArray();
        },
        onEnd: function (event) {
          dragging = false;
          if (event.oldIndex === event.newIndex) {
            return;
          }
          var form = document.getElementById("queue-move");
          lastMove = { list: list, order: before };
          // namedItem: `elements.item` is the collection's own item() method, not the field
          form.elements.namedItem("item").value = event.item.getAttribute("data-item");
          form.elements.namedItem("position").value = String(event.newIndex + 1);
          list.classList.add("is-saving");
          window.htmx.trigger(form, "floor-move");
        },
      });
    });
  }

  /* --- htmx's events ----------------------------------------------------------------------- */

  document.addEventListener("htmx:beforeRequest", function (event) {
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (verb === "get") {
      // no poll while a row is held, or while there is no network (the page stays as it is)
      if (dragging || !navigator.onLine) {
        event.preventDefault();
      }
      return;
    }
    if (!navigator.onLine) {
      event.preventDefault();
      refuseOffline(event.detail.elt);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var verb = (event.detail.requestConfig && event.detail.requestConfig.verb) || "get";
    if (verb === "get") {
      showOffline(true);
    } else {
      refuseOffline(event.detail.elt);
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 503 && /^You are offline/.test(xhr.responseText || "")) {
      refuseOffline(event.detail.elt); // the service worker's answer: no network
      return;
    }
    putRowsBack();
    if (xhr && xhr.status === 403) {
      showError("Refused: your role may not do this.");
    } else if (xhr) {
      showError("The server could not do this (" + xhr.status + "). Nothing was changed.");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      showOffline(false);
    }
  });

  document.addEventListener("htmx:load", function (event) {
    startSortable(event.detail.elt);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    lastMove = null;
    if (event.detail.target && event.detail.target.id === "queue-rows") {
      keepForOffline(document, true); // the saved copy of this page follows its rows
    }
  });

  /* --- forms that need the network (log out, the runs' forms) ------------------------------ */

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!navigator.onLine && form.matches("[data-online-only], [hx-post], [method=post]")) {
        event.preventDefault();
        refuseOffline(form);
        return;
      }
      if (form.matches(".floor-bar__logout")) {
        tellWorker({ type: "clear" }); // the next person on this tablet sees nothing of ours
      }
    },
    true
  );

  window.addEventListener("online", function () {
    showOffline(false);
  });
  window.addEventListener("offline", function () {
    showOffline(true);
  });

  document.addEventListener("DOMContentLoaded", function () {
    registerWorker();
    showOffline(!navigator.onLine);
    startSortable(document);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.ready.then(function () {
        keepForOffline(document);
      });
      // the first visit: the worker takes the page over once installed
      navigator.serviceWorker.addEventListener("controllerchange", function () {
        keepForOffline(document);
      });
    }
  });
})();
