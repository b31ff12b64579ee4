// airstream console: live updates of run and task states over server-sent events.
// Pages work without this file; it only keeps what they show current.
(function () {
  "use strict";

  var body = document.body;
  if (!body.dataset.watchDags || !window.EventSource) {
    return;
  }

  function setState(el, state) {
    var cls = (el.getAttribute("class") || "").replace(/\bstate-[a-z_]+/g, "").trim();
    el.setAttribute("class", (cls + " state-" + state).trim());
    if (el.hasAttribute("data-state-label")) {
      el.textContent = state;
    }
    if (el.tagName === "A" && el.title) {
      el.title = el.title.replace(/: .*$/, ": " + state);
    }
  }

  function runElements(dagId, runId) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-run-id]"), function (el) {
      return el.dataset.runDag === dagId && el.dataset.runId === runId;
    });
  }

  function tiElements(ti) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-ti-task]"), function (el) {
      var map = el.dataset.tiMap;
      return el.dataset.tiDag === ti.dag_id && el.dataset.tiRun === ti.run_id &&
        el.dataset.tiTask === ti.task_id && (map === undefined || Number(map) === ti.map_index);
    });
  }

  function pathOf() {
    return "/" + Array.prototype.map.call(arguments, encodeURIComponent).join("/");
  }

  function addGridRow(run) {
    var grid = document.getElementById("grid");
    if (!grid || grid.dataset.dagId !== run.dag_id || grid.dataset.firstPage !== "1") {
      return;
    }
    var tbody = grid.tBodies[0];
    var taskIds = JSON.parse(grid.dataset.taskIds);
    var row = document.createElement("tr");
    row.className = "grid-row";
    row.dataset.runRow = run.run_id;
    var head = document.createElement("th");
    head.className = "run-col";
    var link = document.createElement("a");
    link.href = pathOf("dags", run.dag_id) + "?run_id=" + encodeURIComponent(run.run_id);
    link.textContent = run.run_id;
    var badge = document.createElement("span");
    badge.setAttribute("data-state-label", "");
    badge.dataset.runDag = run.dag_id;
    badge.dataset.runId = run.run_id;
    badge.className = "state";
    setState(badge, run.state);
    head.appendChild(link);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(badge);
    row.appendChild(head);
    taskIds.forEach(function (taskId) {
      var td = document.createElement("td");
      var cell = document.createElement("a");
      cell.className = "cell state-absent";
      cell.href = pathOf("dags", run.dag_id, "runs", run.run_id, "tasks", taskId);
      cell.title = taskId + ": no instance";
      cell.dataset.tiDag = run.dag_id;
      cell.dataset.tiRun = run.run_id;
      cell.dataset.tiTask = taskId;
      td.appendChild(cell);
      row.appendChild(td);
    });
    tbody.insertBefore(row, tbody.firstChild);
    while (tbody.rows.length > Number(grid.dataset.limit)) {
      tbody.deleteRow(tbody.rows.length - 1);
    }
    var none = document.getElementById("no-runs");
    if (none) {
      none.remove();
    }
  }

  function addRecentDot(run) {
    var cells = document.querySelectorAll("[data-recent-dag]");
    Array.prototype.forEach.call(cells, function (cell) {
      if (cell.dataset.recentDag !== run.dag_id) {
        return;
      }
      var dot = document.createElement("a");
      dot.className = "dot";
      dot.dataset.runDag = run.dag_id;
      dot.dataset.runId = run.run_id;
      dot.href = pathOf("dags", run.dag_id) + "?run_id=" + encodeURIComponent(run.run_id);
      dot.title = run.run_id + ": " + run.state;
      setState(dot, run.state);
      cell.insertBefore(dot, cell.firstChild);
      while (cell.children.length > 5) {
        cell.removeChild(cell.lastElementChild);
      }
    });
  }

  function onRun(run) {
    var found = runElements(run.dag_id, run.run_id);
    if (found.length === 0) {
      addGridRow(run);
      addRecentDot(run);
      return;
    }
    found.forEach(function (el) { setState(el, run.state); });
  }

  var logTimer = null;

  function refreshLog() {
    var log = document.getElementById("log");
    if (!log || log.dataset.logLive !== "1" || logTimer) {
      return;
    }
    // Coalesce bursts of events into one request.
    logTimer = setTimeout(function () {
      logTimer = null;
      fetch(log.dataset.logUrl, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (text) {
        if (text) {
          log.textContent = text;
        }
      }).catch(function () { /* the next event tries again */ });
    }, 200);
  }

  function onTi(ti) {
    tiElements(ti).forEach(function (el) { setState(el, ti.state); });
    if (body.dataset.page === "task" && body.dataset.watchRun === ti.run_id) {
      var badge = document.querySelector("h1 [data-ti-task]");
      if (badge && badge.dataset.tiTask === ti.task_id && Number(badge.dataset.tiMap) === ti.map_index) {
        if (String(ti.try_number) !== body.dataset.pageTry) {
          // A new attempt: the page needs a tab for it.
          window.location.reload();
          return;
        }
        refreshLog();
      }
    }
  }

  var params = new URLSearchParams();
  JSON.parse(body.dataset.watchDags).forEach(function (dagId) { params.append("dag_id", dagId); });
  if (body.dataset.watchRun) {
    params.set("run_id", body.dataset.watchRun);
  }
  if (body.dataset.since) {
    params.set("since", body.dataset.since);
  }
  var source = new EventSource("/console/events?" + params.toString());
  source.addEventListener("open", function () { body.dataset.live = "connected"; });
  source.addEventListener("error", function () { body.dataset.live = "reconnecting"; });
  source.addEventListener("run", function (event) { onRun(JSON.parse(event.data)); });
  source.addEventListener("ti", function (event) { onTi(JSON.parse(event.data)); });
}());
