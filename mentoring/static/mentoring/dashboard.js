// The tutors' participation dashboard, enhanced: live row updates over
// /ws/cohorts/{id}/dashboard/ (the rows themselves rendered by the server), client-side sort
// and filter, selection helpers.
// Everything here also works without JavaScript through query strings and forms.
import { openLiveSocket } from "./live.js";

// The status labels come from the server (ParticipationStatus, via json_script).
const labelsElement = document.getElementById("status-labels");
const STATUS_LABELS = labelsElement ? JSON.parse(labelsElement.textContent) : {};

const STATUS_ORDER = Object.keys(STATUS_LABELS); // the order of meaning, as the server sorts

// Names compare naturally ("Member 2" before "Member 10"), as the server's "natural" collation.
const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function adjustAlertCount(root, code, delta) {
  for (const el of root.querySelectorAll(`[data-alert-count="${code}"]`)) {
    el.textContent = String(Math.max(0, Number(el.textContent) + delta));
  }
}

function codes(value) {
  return (value || "").split(" ").filter(Boolean);
}

function adjustCount(root, status, delta) {
  for (const el of root.querySelectorAll(`[data-count="${status}"]`)) {
    el.textContent = String(Math.max(0, Number(el.textContent) + delta));
  }
  redrawBreakdown(root);
}

/** Redraw the status chart from the status cards, as charts.py draws it: the two always agree. */
export function redrawBreakdown(root) {
  const chart = root.querySelector("svg.chart-breakdown");
  if (!chart) return;
  const counts = {};
  for (const status of STATUS_ORDER) {
    const card = root.querySelector(`[data-count="${status}"]`);
    counts[status] = card ? Number(card.textContent) : 0;
  }
  const total = STATUS_ORDER.reduce((sum, status) => sum + counts[status], 0);
  const barSpace = Number(chart.dataset.barSpace);
  const labelWidth = Number(chart.dataset.labelWidth);
  const title = chart.querySelector("title");
  if (title) title.textContent = `Members by participation status (${total} members)`;
  for (const status of STATUS_ORDER) {
    const group = chart.querySelector(`g[data-status="${status}"]`);
    if (!group) continue;
    const value = counts[status];
    // Python's round() rounds halves to even; Math.round rounds them up: match the server.
    const exact = total ? (barSpace * value) / total : 0;
    const bar = roundHalfEven(exact);
    const rect = group.querySelector("rect");
    rect.setAttribute("width", String(bar));
    rect.querySelector("title").textContent = `${STATUS_LABELS[status]}: ${value}`;
    const text = group.querySelector(".chart-value");
    text.setAttribute("x", String(labelWidth + bar + 6));
    const pct = total ? `${roundHalfEven((100 * value) / total)}%` : "0%";
    text.textContent = `${value} (${pct})`;
  }
}

function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(x);
}

/** Put a member's row as the server renders it (``dashboard:rows``) in place of theirs, and
 * move the status and alert counts with it. Only the cells that changed are replaced: an open
 * alert reason stays open, a ticked box stays ticked, focus stays where it was. */
export function applyRow(root, fresh) {
  const row = root.querySelector(`tbody tr[data-user-id="${fresh.dataset.userId}"]`);
  if (!row) return false;
  const previous = row.dataset.status;
  if (previous !== fresh.dataset.status) {
    adjustCount(root, previous, -1);
    adjustCount(root, fresh.dataset.status, +1);
  }
  const before = codes(row.dataset.alerts);
  const after = codes(fresh.dataset.alerts);
  for (const code of before) if (!after.includes(code)) adjustAlertCount(root, code, -1);
  for (const code of after) if (!before.includes(code)) adjustAlertCount(root, code, +1);
  for (const name of ["status", "alerts", "username"]) row.dataset[name] = fresh.dataset[name] || "";
  for (const cell of [...fresh.querySelectorAll("[data-field]")]) {
    const old = row.querySelector(`[data-field="${cell.dataset.field}"]`);
    if (!old) continue;
    for (const open of old.querySelectorAll("details[open][data-alert]")) {
      cell.querySelector(`details[data-alert="${open.dataset.alert}"]`)?.setAttribute("open", "");
    }
    if (old.outerHTML === cell.outerHTML) continue;
    const focused = old.contains(document.activeElement)
      ? document.activeElement.closest("[data-alert]")?.dataset.alert
      : null;
    old.replaceWith(cell);
    if (focused) cell.querySelector(`[data-alert="${focused}"] summary`)?.focus();
  }
  row.classList.remove("just-updated");
  // Restart the highlight animation so a second update in a row is visible too.
  void row.offsetWidth;
  row.classList.add("just-updated");
  return true;
}

// Live rows: `member.updated` says whose row changed; the rows themselves come from the server,
// a batch at a time and one request at a time, so a burst of reads costs few requests and a
// row never goes back to an older version.
const BATCH_DELAY_MS = 150;
const MAX_BATCH = 100; // the server's MAX_FRAGMENT_ROWS

function rowFetcher(root) {
  const pending = new Set();
  let timer = null;
  let busy = false;

  async function fetchRows(userIds) {
    const url = new URL(root.dataset.rowsUrl, window.location.href);
    for (const id of userIds) url.searchParams.append("user", id);
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) throw new Error(`rows: ${response.status}`);
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    for (const fresh of template.content.querySelectorAll("tr[data-user-id]")) applyRow(root, fresh);
    applyFilter(root);
  }

  function schedule() {
    if (!timer && !busy && pending.size) timer = setTimeout(flush, BATCH_DELAY_MS);
  }

  async function flush() {
    timer = null;
    const batch = [...pending].slice(0, MAX_BATCH);
    for (const id of batch) pending.delete(id);
    busy = true;
    try {
      await fetchRows(batch);
    } catch (err) {
      console.error(err);
    } finally {
      busy = false;
      schedule();
    }
  }

  return (userIds) => {
    for (const id of userIds) {
      // Only rows this page shows (a big cohort shows a page of its members).
      if (root.querySelector(`tbody tr[data-user-id="${id}"]`)) pending.add(String(id));
    }
    schedule();
  };
}

function applyFilter(root) {
  const select = root.querySelector("[data-status-filter]");
  const wanted = select ? select.value : "";
  const alertSelect = root.querySelector("[data-alert-filter]");
  const wantedAlert = alertSelect ? alertSelect.value : "";
  let shown = 0;
  for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
    const alerts = (row.dataset.alerts || "").split(" ");
    const visible =
      (!wanted || row.dataset.status === wanted) && (!wantedAlert || alerts.includes(wantedAlert));
    row.hidden = !visible;
    if (visible) shown += 1;
    else {
      // A hidden row is never nudged by accident.
      const box = row.querySelector("input[name=user_ids]");
      if (box) box.checked = false;
    }
  }
  const counter = root.querySelector("[data-shown-count]");
  if (counter) counter.textContent = String(shown);
}

function sortBy(root, key, button) {
  const tbody = root.querySelector("tbody");
  const descending = button.getAttribute("aria-sort") === "ascending";
  for (const other of root.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
  button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
  button.setAttribute("aria-sort", descending ? "descending" : "ascending");
  const rows = [...tbody.querySelectorAll("tr[data-user-id]")];
  const value = (row) => {
    const cell = row.querySelector(`[data-field="${key}"]`);
    const raw = cell ? (cell.dataset.sortValue ?? cell.textContent.trim()) : "";
    if (key === "status") return STATUS_ORDER.indexOf(raw);
    return raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw.toLowerCase();
  };
  rows.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order =
      typeof x === "string" && typeof y === "string"
        ? COLLATOR.compare(x, y)
        : x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  });
  tbody.append(...rows);
}

function connect(root, cohortId) {
  const status = root.querySelector("[data-live-status]");
  const refresh = rowFetcher(root);
  openLiveSocket(
    `/ws/cohorts/${cohortId}/dashboard/`,
    (message) => {
      if (message.type === "member.updated" && message.member) refresh([message.member.user_id]);
    },
    {
      onReady() {
        root.dataset.live = "connected";
        if (status) status.textContent = "Live: rows update as members read and post.";
      },
      // Too much was missed to replay (a long outage): fetch every row the page shows again.
      onResync() {
        refresh([...root.querySelectorAll("tbody tr[data-user-id]")].map((row) => row.dataset.userId));
      },
      onState(state) {
        if (state === "reconnecting") root.dataset.live = "reconnecting";
      },
    },
  );
}

// The CSV export follows the dashboard's filters.
function keepCsvLinkInStep(root, url) {
  const link = root.querySelector("[data-csv-link]");
  if (!link) return;
  const query = new URLSearchParams();
  for (const param of ["status", "alert"]) {
    const value = url.searchParams.get(param);
    if (value) query.set(param, value);
  }
  const rest = query.toString();
  link.href = link.dataset.csvBase + (rest ? `?${rest}` : "");
}

function init(root) {
  const cohortId = root.dataset.cohortId;
  // A big cohort comes a page at a time: filter and sort are the server's (follow the link).
  const paged = root.dataset.paged === "1";
  // Each filter (status, alert) keeps its choice in the URL under its own parameter.
  for (const [selector, param] of [
    ["[data-status-filter]", "status"],
    ["[data-alert-filter]", "alert"],
  ]) {
    const select = root.querySelector(selector);
    if (!select) continue;
    select.addEventListener("change", () => {
      const url = new URL(location.href);
      if (select.value) url.searchParams.set(param, select.value);
      else url.searchParams.delete(param);
      url.searchParams.delete("cursor");
      if (paged) {
        location.assign(url);
        return;
      }
      applyFilter(root);
      history.replaceState(null, "", url);
      keepCsvLinkInStep(root, url);
    });
  }
  for (const button of root.querySelectorAll("[data-select-alert]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const wanted = button.dataset.selectAlert;
      // Only rows the filter shows: nobody hidden is nudged without being seen.
      for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
        const box = row.querySelector("input[name=user_ids]");
        if (box) box.checked = !row.hidden && (row.dataset.alerts || "").split(" ").includes(wanted);
      }
    });
  }
  for (const button of paged ? [] : root.querySelectorAll("[data-sort]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      sortBy(root, button.dataset.sort, button);
    });
  }
  const selectAll = root.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      for (const box of root.querySelectorAll("tbody tr:not([hidden]) input[name=user_ids]")) {
        box.checked = selectAll.checked;
      }
    });
  }
  for (const button of root.querySelectorAll("[data-select-status]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const wanted = button.dataset.selectStatus;
      for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
        const box = row.querySelector("input[name=user_ids]");
        if (box) box.checked = !row.hidden && row.dataset.status === wanted;
      }
    });
  }
  applyFilter(root);
  connect(root, cohortId);
}

for (const root of document.querySelectorAll("[data-dashboard]")) init(root);
