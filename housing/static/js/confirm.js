// Forms with data-confirm ask before they are sent (an approval that locks a month, a revocation, a deletion run).
// Without JavaScript the form is sent at once, as before.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
