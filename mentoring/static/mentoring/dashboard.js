// The tutors' participation dashboard, enhanced: live updates over /ws/cohorts/{id}/dashboard/,
// filter in the page, selection helpers. Everything here also works without JavaScript through
// query strings, links and forms; sorting is always the server's (the headers are links).
//
// Live, the page draws nothing itself: `member.updated` says whose row changed, and the page
// fetches that row (`dashboard:rows`) and the cards and charts (`dashboard:summary`) as the
// server renders them, and swaps them in by id (live.js `swapFragment`). No count, percentage,
// bar, label or date is worked out here.
import { coalesce, openLiveSocket, swapFragment } from "./live.js";

// A burst of reads costs few requests: rows are fetched a batch at a time, the summary once.
const BATCH_DELAY_MS = 150;
const SUMMARY_DELAY_MS = 1000; // the counts of a whole cohort: once a second at most
const MAX_BATCH = 100; // the server's MAX_FRAGMENT_ROWS

function shownRow(root, userId) {
  return root.querySelector(`tbody tr[data-user-id="${CSS.escape(String(userId))}"]`);
}

/** Rows of these members again from the server, one request at a time, a batch at a time. */
function rowFetcher(root) {
  const pending = new Set();
  const fetchBatch = coalesce(async () => {
    const batch = [...pending].slice(0, MAX_BATCH);
    for (const id of batch) pending.delete(id);
    if (!batch.length) return;
    const url = new URL(root.dataset.rowsUrl, window.location.href);
    for (const id of batch) url.searchParams.append("user", id);
    const rows = (await swapFragment(url)) || [];
    for (const row of rows) {
      // Restart the highlight so a second update in a row shows too.
      row.classList.remove("just-updated");
      void row.offsetWidth;
      row.classList.add("just-updated");
    }
    applyFilter(root);
    if (pending.size) fetchBatch();
  }, BATCH_DELAY_MS);

  return (userIds) => {
    // Only rows this page shows (a big cohort shows a page of its members).
    for (const id of userIds) if (shownRow(root, id)) pending.add(String(id));
    if (pending.size) fetchBatch();
  };
}

function applyFilter(root) {
  const select = root.querySelector("[data-status-filter]");
  const wanted = select ? select.value : "";
  const alertSelect = root.querySelector("[data-alert-filter]");
  const wantedAlert = alertSelect ? alertSelect.value : "";
  const flagSelect = root.querySelector("[data-flag-filter]");
  const wantedFlag = flagSelect ? flagSelect.value : "";
  let shown = 0;
  for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
    const alerts = (row.dataset.alerts || "").split(" ");
    const flags = (row.dataset.flags || "").split(" ");
    const visible =
      (!wanted || row.dataset.status === wanted) &&
      (!wantedAlert || alerts.includes(wantedAlert)) &&
      (!wantedFlag || flags.includes(wantedFlag));
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

function connect(root, cohortId) {
  const status = root.querySelector("[data-live-status]");
  const refreshRows = rowFetcher(root);
  const refreshSummary = coalesce(() => swapFragment(root.dataset.summaryUrl), SUMMARY_DELAY_MS);
  const everyRow = () => [...root.querySelectorAll("tbody tr[data-user-id]")].map((row) => row.dataset.userId);
  openLiveSocket(
    `/ws/cohorts/${cohortId}/dashboard/`,
    (message) => {
      if (message.type === "member.updated" && message.member) {
        refreshRows([message.member.user_id]);
        // Counts are the whole cohort's: a member on another page of a big cohort moves them too.
        refreshSummary();
      }
    },
    {
      onReady() {
        root.dataset.live = "connected";
        if (status) status.textContent = "Live: rows update as members read and post.";
      },
      // Too much was missed to replay (a long outage): fetch what the page shows again.
      onResync() {
        refreshRows(everyRow());
        refreshSummary();
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

function tickRows(root, wanted) {
  // Only rows the filter shows: nobody hidden is nudged without being seen.
  for (const row of root.querySelectorAll("tbody tr[data-user-id]")) {
    const box = row.querySelector("input[name=user_ids]");
    if (box) box.checked = !row.hidden && wanted(row);
  }
}

function init(root) {
  const cohortId = root.dataset.cohortId;
  // A big cohort comes a page at a time: its filters are the server's (follow the link).
  const paged = root.dataset.paged === "1";
  // Each filter (status, alert, flag) keeps its choice in the URL under its own parameter.
  for (const [selector, param] of [
    ["[data-status-filter]", "status"],
    ["[data-alert-filter]", "alert"],
    ["[data-flag-filter]", "flag"],
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
      tickRows(root, (row) => (row.dataset.alerts || "").split(" ").includes(wanted));
    });
  }
  for (const button of root.querySelectorAll("[data-select-status]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const wanted = button.dataset.selectStatus;
      tickRows(root, (row) => row.dataset.status === wanted);
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
  applyFilter(root);
  connect(root, cohortId);
}

for (const root of document.querySelectorAll("[data-dashboard]")) init(root);
