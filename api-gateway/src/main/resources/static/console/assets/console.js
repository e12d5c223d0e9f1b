// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function csrf(event) {
    var header = document.querySelector('meta[name="csrf-header"]');
    var token = document.querySelector('meta[name="csrf-token"]');
    if (header && token) {
      event.detail.headers[header.content] = token.content;
    }
  }
  function countSelected() {
    var count = document.getElementById("selected-count");
    if (count) {
      count.textContent = document.querySelectorAll("input.pick:checked").length;
    }
  }
  // The Users page serves the count of ticked users and "select all" hidden: without this script the
  // count would stay at 0 and "select all" would tick nothing. Shown once the script runs, and again in
  // each list htmx swaps in.
  function enableSelection() {
    ["selection", "select-all"].forEach(function (id) {
      var element = document.getElementById(id);
      if (element) {
        element.hidden = false;
      }
    });
    countSelected();
  }
  document.addEventListener("htmx:configRequest", csrf);
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = event.target.checked; });
    }
    countSelected();
  });
  document.addEventListener("htmx:afterSwap", enableSelection);
  // A search answered since one that was not takes back the word that it failed.
  document.addEventListener("htmx:afterSwap", function (event) {
    var hint = document.getElementById("q-hint");
    if (hint && event.detail.target && event.detail.target.id === "results") {
      hint.textContent = "";
    }
  });
  window.addEventListener("pageshow", countSelected);
  enableSelection();
  // A search or page of the Users list that is refused (an unknown role, access withdrawn: a 4xx, which
  // asking again would not change) is made again as an ordinary navigation, so the console's error page
  // says why instead of the old list staying as if nothing happened. One not answered (the API down or
  // slow, a 5xx, or the network dropped) keeps the page, with what was typed, chosen and ticked on it, and
  // says beside the field that the search failed, to try again: serving the page again would lose all
  // that and say nothing. The job page's polling keeps its page: its next poll tries again, and a refusal
  // that would last reloads the page from the server (HX-Refresh).
  function refusedForGood(event) {
    var xhr = event.detail.xhr;
    return event.type === "htmx:responseError" && xhr && xhr.status >= 400 && xhr.status < 500;
  }
  function sayNotAnswered(hintId, what) {
    var hint = document.getElementById(hintId);
    if (hint) {
      hint.textContent = what + " failed: the console did not get an answer. Nothing on this page was lost; try again.";
    }
  }
  function showRefusal(event) {
    var target = event.detail.target;
    var config = event.detail.requestConfig;
    if (target && target.id === "account-search") {
      if (!refusedForGood(event)) {
        sayNotAnswered("accountName-hint", "Finding accounts");
        return;
      }
      // "Find accounts by name" then serves the page again, as it does without the page script.
      copyFilters(target);
      target.submit();
      return;
    }
    if (!target || target.id !== "results" || !config || config.verb !== "get") {
      return;
    }
    if (!refusedForGood(event)) {
      sayNotAnswered("q-hint", "The search");
      return;
    }
    var xhr = event.detail.xhr;
    window.location.assign(xhr && xhr.responseURL ? xhr.responseURL : event.detail.pathInfo.finalRequestPath);
  }
  document.addEventListener("htmx:responseError", showRefusal);
  document.addEventListener("htmx:sendError", showRefusal);
  // Back and Forward through the searches load the whole page again (the layout's htmx-config: no
  // history cache, and "refreshOnHistoryMiss"), so the server's answer decides what is shown: the
  // sign-in page once the sign-in has ended, the error page of a search refused since. htmx's own
  // fetch of the entry would ignore either answer and leave the later search's list on screen.
  // "Find accounts by name" swaps in the three account lists alone (htmx), so that the addresses typed,
  // the language and the ticked users stay. It sends the accounts ticked in the bulk bar and in the
  // invitation (with the role chosen on each), which the new lists keep ticked, first, also when the
  // name does not find them: one change can name accounts of several searches. And the Account
  // filter as it is now, which the filter's list keeps.
  function ticked(listId) {
    var list = document.getElementById(listId);
    if (!list) {
      return [];
    }
    return Array.prototype.map.call(list.querySelectorAll('input[name="accountIds"]:checked'), function (box) {
      return box.value;
    });
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "account-search") {
      return;
    }
    var parameters = event.detail.parameters;
    var filter = document.getElementById("account");
    parameters.accountId = filter ? filter.value : "";
    parameters.pickedAccountIds = ticked("bulk-account-list");
    var invited = ticked("invite-account-list");
    parameters.invitedAccountIds = invited;
    var roles = document.getElementById("invite-account-list");
    invited.forEach(function (account) {
      var role = roles.querySelector('select[name="role-' + CSS.escape(account) + '"]');
      if (role) {
        parameters["role-" + account] = role.value;
      }
    });
  });
  // Without htmx, "Find accounts by name" serves the page again: it sends the Users filters along in
  // hidden fields, filled in when the page was served; the list follows the filters as they are typed
  // without serving the page again, so the fields take the filters' values as they are now when it is sent.
  function copyFilters(form) {
    var filters = document.getElementById("filters");
    if (!filters) {
      return;
    }
    form.querySelectorAll('input[type="hidden"]').forEach(function (copy) {
      var live = filters.elements.namedItem(copy.name);
      if (live && live !== copy && "value" in live) {
        copy.value = live.value;
      }
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.id === "account-search") {
      copyFilters(form);
    }
  });
  // A form that changes something is sent once: a second click while the first answer is on its way
  // would change it twice. (Add webhook, Create SCIM token and Rotate secret carry a key made with the
  // page, so sent again they create or rotate nothing more, also without this guard.) The guard ends with the page, when
  // the page comes back from the history, or after a while (a navigation stopped by the user), so the
  // form can then be sent again.
  var RESEND_AFTER_MS = 10000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") {
      return;
    }
    if (form.dataset.sent === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "true";
    setTimeout(function () { delete form.dataset.sent; }, RESEND_AFTER_MS);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; });
    }
  });
  // Paging the Users list with the keyboard: htmx gives the focus back only to an element of the new list
  // with the id of the one that had it (Next page, when the new page has a next one). On the last page,
  // which has no Next page, or from First page, which the first page has not, the focus would fall back
  // to the top of the page, and the next Tab would start over at the navigation: it goes to the new list
  // instead, from where Tab goes on through its rows.
  var focusInResults = false;
  document.addEventListener("htmx:beforeSwap", function () {
    var results = document.getElementById("results");
    focusInResults = !!results && results.contains(document.activeElement);
  });
  document.addEventListener("htmx:afterSwap", function () {
    var lost = focusInResults;
    focusInResults = false;
    var active = document.activeElement;
    if (!lost || (active && active !== document.body && document.body.contains(active))) {
      return;
    }
    var results = document.getElementById("results");
    if (results) {
      results.focus();
    }
  });
})();
