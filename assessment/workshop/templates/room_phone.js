(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rp-data").textContent);
  var T = data.texts, store = "workshop-room:" + data.action;
  var me = null, closed = data.closed;
  var statusEl = document.getElementById("rp-status");
  try { me = JSON.parse(localStorage.getItem(store) || "null"); } catch (e) { me = null; }

  function fmt(s, vals) { return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vals ? vals[k] : m; }); }
  function say(msg, error) { statusEl.textContent = msg; statusEl.classList.toggle("rp-error", !!error); }
  function keep() { try { localStorage.setItem(store, JSON.stringify(me)); } catch (e) { /* private mode: answers still saved on the server */ } }
  function count() { return Object.keys(me.answers).length; }
  function progress() { say(fmt(T.progress, {answered: count(), total: data.total})); }

  function post(action, body) {
    var headers = {"Content-Type": "application/json"};
    if (data.xsrf) { headers["X-XSRFToken"] = data.xsrf; }
    return fetch(data.action + "/" + action, {method: "POST", headers: headers, body: JSON.stringify(body),
                                              credentials: "same-origin"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { j.status = r.status; return j; });
      });
  }
  function setClosed() {
    closed = true;
    document.getElementById("rp-closed").hidden = false;
    document.getElementById("rp-join").hidden = true;
    document.querySelectorAll(".rp-scale button").forEach(function (b) { b.disabled = true; });
    say(T.closed);
  }
  function mark(item, value) {
    var box = document.querySelector('.rp-item[data-item="' + item + '"]');
    if (!box) { return; }
    box.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(String(value) === b.dataset.value));
    });
    box.classList.toggle("rp-answered", value !== null && value !== undefined);
  }
  function showItems() {
    document.getElementById("rp-join").hidden = true;
    document.getElementById("rp-items").hidden = false;
    document.getElementById("rp-who").textContent = (me.name || T.anonymous) + " · " + T.change;
    Object.keys(me.answers).forEach(function (item) { mark(item, me.answers[item]); });
    if (closed) { setClosed(); } else { progress(); }
  }

  document.getElementById("rp-join").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = document.getElementById("rp-name").value.trim();
    post("join", {name: name}).then(function (r) {
      if (r.status === 200) { me = {pid: r.pid, key: r.key, name: name, answers: {}}; keep(); showItems(); }
      else if (r.status === 409) { setClosed(); }
      else { say(fmt(T.error, {error: r.error || r.status}), true); }
    }).catch(function () { say(T.offline, true); });
  });

  document.querySelectorAll(".rp-item").forEach(function (box) {
    var item = box.dataset.item;
    box.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () {
        if (closed || !me) { return; }
        var before = item in me.answers ? me.answers[item] : null;
        var value = Number(b.dataset.value);
        if (before === value) { value = null; }  /* a second tap takes the answer back */
        mark(item, value);
        post("answer", {pid: me.pid, key: me.key, item: item, value: value}).then(function (r) {
          if (r.status === 200) {
            if (value === null) { delete me.answers[item]; } else { me.answers[item] = value; }
            keep(); progress();
          } else {
            mark(item, before);
            if (r.status === 409) { setClosed(); } else { say(fmt(T.error, {error: r.error || r.status}), true); }
          }
        }).catch(function () { mark(item, before); say(T.offline, true); });
      });
    });
  });

  if (me && me.pid) { showItems(); } else if (closed) { setClosed(); }
})();
