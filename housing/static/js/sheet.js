// Crew sheet: arrow keys and Enter move between cells like a spreadsheet. The form works without it.
(function () {
  var sheet = document.getElementById("crew-sheet");
  if (!sheet) { return; }
  function cell(row, col) {
    return sheet.querySelector('input[data-row="' + row + '"][data-col="' + col + '"]');
  }
  sheet.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.dataset || input.dataset.row === undefined) { return; }
    var row = Number(input.dataset.row), col = Number(input.dataset.col), next = null;
    if (event.key === "ArrowDown" || event.key === "Enter") { next = cell(row + 1, col); }
    else if (event.key === "ArrowUp") { next = cell(row - 1, col); }
    else if (event.key === "ArrowRight" && input.selectionStart === input.value.length) { next = cell(row, col + 1); }
    else if (event.key === "ArrowLeft" && input.selectionStart === 0) { next = cell(row, col - 1); }
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    } else if (event.key === "Enter") {
      event.preventDefault();  // Enter in the last row does not submit half a sheet by accident
    }
  });
})();
