// The tutors' participation dashboard, enhanced: live row updates over
// /ws/cohorts/{id}/dashboard/, client-side sort and filter, selection helpers.
// Everything here also works without JavaScript through query strings and forms.
import { openLiveSocket } from "./live.js";

const STATUS_LABELS = {
  contributor: "Contributor",
  reader: "Reader",
  resource_only: "Resources only",
  inactive: "Inactive",
};

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

function formatTime(iso) {
  if (!iso) return "—";
  const when = new Date(iso);
  return when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function setTime(cell, iso) {
  if (!cell) return;
  cell.dataset.sortValue = iso || "";
  cell.replaceChildren();
  if (iso) {
    const time = document.createElement("time");
    time.dateTime = iso;
    time.textContent = formatTime(iso);
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
    return raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw.toLowerCase();
  };
  rows.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order = x < y ? -1 : x > y ? 1 : 0;
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
    },
  );
}

function init(root) {
  const cohortId = root.dataset.cohortId;
  const filter = root.querySelector("[data-status-filter]");
  if (filter) {
    filter.addEventListener("change", () => {
      applyFilter(root);
      const url = new URL(location.href);
      if (filter.value) url.searchParams.set("status", filter.value);
      else url.searchParams.delete("status");
      history.replaceState(null, "", url);
    });
  }
  const alertFilter = root.querySelector("[data-alert-filter]");
  if (alertFilter) {
    alertFilter.addEventListener("change", () => {
      applyFilter(root);
      const url = new URL(location.href);
      if (alertFilter.value) url.searchParams.set("alert", alertFilter.value);
      else url.searchParams.delete("alert");
      history.replaceState(null, "", url);
    });
  }
  for (const button of root.querySelectorAll("[data-select-alert]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const wanted = button.dataset.selectAlert;
      for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
        const box = row.querySelector("input[name=user_ids]");
        if (box) box.checked = (row.dataset.alerts || "").split(" ").includes(wanted);
      }
    });
  }
  for (const button of root.querySelectorAll("[data-sort]")) {
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
        if (box) box.checked = row.dataset.status === wanted;
      }
    });
  }
  applyFilter(root);
  connect(root, cohortId);
}

for (const root of document.querySelectorAll("[data-dashboard]")) init(root);
