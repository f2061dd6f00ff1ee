// The 帮扶责任人 picker: a county has thousands of cadres, so the page sends
// only the chosen one and a few suggestions (households.forms.fields.CadreSelect)
// and this box above each select[data-cadre-search] finds the others.
// Without it the select still works with what the page sent.
(function () {
  "use strict";

  var DELAY = 250;
  var PLACEHOLDER = "输入姓名、单位或电话查找帮扶责任人";
  var NONE_FOUND = "未找到匹配的帮扶责任人";
  var FAILED = "查找失败，请稍后重试";

  function option(value, label, disabled) {
    var item = document.createElement("option");
    item.value = value;
    item.textContent = label;
    item.disabled = !!disabled;
    return item;
  }

  // The blank choice and the chosen cadre stay whatever the results.
  function keptOptions(select) {
    return Array.prototype.filter.call(select.options, function (item) {
      return !item.disabled && (item.value === "" || item.value === select.value);
    });
  }

  function replaceOptions(select, options) {
    var value = select.value;
    select.replaceChildren.apply(select, options);
    select.value = value;
  }

  function showResults(select, data) {
    var options = keptOptions(select);
    var shown = {};
    options.forEach(function (item) { shown[item.value] = true; });
    data.results.forEach(function (cadre) {
      if (!shown[String(cadre.id)]) {
        options.push(option(cadre.id, cadre.label));
      }
    });
    if (!data.results.length) {
      options.push(option("", NONE_FOUND, true));
    } else if (data.more) {
      options.push(option("", "仅显示前 " + data.results.length + " 名，请输入更多字词", true));
    }
    replaceOptions(select, options);
  }

  function firstResult(select) {
    return Array.prototype.find.call(select.options, function (item) {
      return !item.disabled && item.value !== "" && item.value !== select.value;
    });
  }

  function attach(select) {
    var url = select.getAttribute("data-cadre-search");
    var initial = Array.prototype.slice.call(select.options);
    var box = document.createElement("input");
    var timer = null;
    var pending = null;

    box.type = "search";
    box.className = select.classList.contains("form-select-sm") ? "form-control form-control-sm mb-1" : "form-control mb-1";
    box.placeholder = PLACEHOLDER;
    box.autocomplete = "off";
    box.setAttribute("aria-label", PLACEHOLDER);
    if (select.id) {
      box.id = select.id + "_search";
      box.setAttribute("aria-controls", select.id);
    }
    select.parentNode.insertBefore(box, select);

    function search() {
      var query = box.value.trim();
      if (pending) {
        pending.abort();
      }
      if (!query) {
        var chosen = keptOptions(select).filter(function (item) { return item.value !== ""; });
        replaceOptions(select, initial.concat(chosen.filter(function (item) { return initial.indexOf(item) < 0; })));
        return;
      }
      pending = new AbortController();
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: {"Accept": "application/json"},
        signal: pending.signal,
      })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) { showResults(select, data); })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            replaceOptions(select, keptOptions(select).concat([option("", FAILED, true)]));
          }
        });
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    // Enter picks the first match instead of sending the form.
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var first = firstResult(select);
      if (first) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", {bubbles: true}));
      }
      select.focus();
    });
  }

  function start() {
    document.querySelectorAll("select[data-cadre-search]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
