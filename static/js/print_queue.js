// Print queue: "select all on this page" for the bulk print / hand-over form.
(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  var boxes = function () { return document.querySelectorAll("#queue-form .row-check"); };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.getElementById("queue-form").addEventListener("change", function (event) {
    if (!event.target.classList.contains("row-check")) return;
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    all.indeterminate = !all.checked && list.some(function (box) { return box.checked; });
  });
})();
