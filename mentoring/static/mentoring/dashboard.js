// The tutors' participation dashboard, enhanced: live row updates over
// /ws/cohorts/{id}/dashboard/, client-side sort and filter, selection helpers.
// Everything here also works without JavaScript through query strings and forms.
import { fetchAllPages, openLiveSocket } from "./live.js";

// The status labels come from the server (ParticipationStatus, via json_script).
const labelsElement = document.getElementById("status-labels");
const STATUS_LABELS = labelsElement ? JSON.parse(labelsElement.textContent) : {};

const STATUS_ORDER = Object.keys(STATUS_LABELS); // the order of meaning, as the server sorts

// Names compare naturally ("Member 2" before "Member 10"), as the server's "natural" collation.
const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

const ALERT_LABELS = {
  went_quiet: "Went quiet",
  reading_declined: "Reading declined",
  never_started: "Never started",
};

function setAlerts(root, row, alerts) {
  const before = (row.dataset.alerts || "").split(" ").filter(Boolean);
  for (const code of before) if (!alerts.includes(code)) adjustAlertCount(root, code, -1);
  for (const code of alerts) if (!before.includes(code)) adjustAlertCount(root, code, +1);
  row.dataset.alerts = alerts.join(" ");
  const cell = row.querySelector('[data-field="alerts"]');
  if (!cell) return;
  cell.replaceChildren(
    ...alerts.map((code) => {
      const badge = document.createElement("span");
      badge.className = `alert alert-${code}`;
      badge.dataset.alert = code;
      badge.textContent = ALERT_LABELS[code] || code;
      return badge;
    }),
  );
}

function adjustAlertCount(root, code, delta) {
  for (const el of root.querySelectorAll(`[data-alert-count="${code}"]`)) {
    el.textContent = String(Math.max(0, Number(el.textContent) + delta));
  }
}

// Dates as the server renders them ("j M Y, H:i" in the site's time zone, e.g.
// "26 Nov 2026, 00:15"), so a live-updated cell reads like its neighbours.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatTime(iso, timeZone) {
  if (!iso) return "—";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || undefined,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${Number(parts.day)} ${MONTHS[Number(parts.month) - 1]} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

function setTime(cell, iso) {
  if (!cell) return;
  cell.dataset.sortValue = iso || "";
  cell.replaceChildren();
  if (iso) {
    const time = document.createElement("time");
    time.dateTime = iso;
    time.textContent = formatTime(iso, cell.closest("[data-time-zone]")?.dataset.timeZone);
    cell.append(time);
  } else {
    cell.textContent = "—";
  }
}

function setNumber(cell, value) {
  if (!cell) return;
  cell.dataset.sortValue = String(value);
  cell.textContent = String(value);
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

/** Apply one member's new participation row to the table and the counts. */
export function applyMemberUpdate(root, member) {
  const row = root.querySelector(`tr[data-user-id="${member.user_id}"]`);
  if (!row) return false;
  const previous = row.dataset.status;
  if (previous !== member.status) {
    adjustCount(root, previous, -1);
    adjustCount(root, member.status, +1);
  }
  row.dataset.status = member.status;
  const badge = row.querySelector('[data-field="status"]');
  if (badge) {
    badge.textContent = STATUS_LABELS[member.status] || member.status;
    badge.className = `status status-${member.status}`;
    badge.dataset.sortValue = member.status;
  }
  if (Array.isArray(member.alerts)) setAlerts(root, row, member.alerts);
  setNumber(row.querySelector('[data-field="threads_read"]'), member.threads_read);
  setNumber(row.querySelector('[data-field="posts"]'), member.posts);
  setNumber(row.querySelector('[data-field="resource_views"]'), member.resource_views);
  setTime(row.querySelector('[data-field="last_seen"]'), member.last_seen);
  setTime(row.querySelector('[data-field="nudged_at"]'), member.nudged_at);
  const after = row.querySelector('[data-field="posted_after_nudge"]');
  if (after) {
    after.textContent = member.nudged_at ? (member.posted_after_nudge ? "Yes" : "Not yet") : "—";
  }
  row.classList.remove("just-updated");
  // Restart the highlight animation so a second update in a row is visible too.
  void row.offsetWidth;
  row.classList.add("just-updated");
  applyFilter(root);
  return true;
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
  openLiveSocket(
    `/ws/cohorts/${cohortId}/dashboard/`,
    (message) => {
      if (message.type === "member.updated" && message.member) {
        applyMemberUpdate(root, message.member);
      }
    },
    {
      onReady() {
        root.dataset.live = "connected";
        if (status) status.textContent = "Live: rows update as members read and post.";
      },
      // Too much was missed to replay (a long outage): refetch the rows instead.
      async onResync() {
        try {
          const { items } = await fetchAllPages(`/api/v1/cohorts/${cohortId}/participation`, "members");
          for (const member of items) applyMemberUpdate(root, member);
        } catch (err) {
          console.error(err);
        }
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
