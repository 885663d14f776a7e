// The Schedule tab. Inside Teams (?inTeams=1, as the manifest and the configuration page
// set it) it signs in with Teams single sign-on; in a browser it takes an API token once as
// ?token= (then drops it from the address) or from the form, and keeps it in sessionStorage.
// Every call sends the credential as a bearer header; no address this page builds carries it.
// Everything is drawn with textContent: nothing from the service is read as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "rota.token";
  const HIGHLIGHT_KEY = "rota.highlight";
  const HOUR = 3600e3;
  const DAY = 24 * HOUR;
  const REFRESH_MS = 60e3;
  const ALERTS_SHOWN = 10;
  // Loaded only inside Teams: in a browser the page has no use for it.
  const TEAMS_LIBRARY = "/tab/static/vendor/MicrosoftTeams.min.js";
  // Person colours: white text reads on each (4.5:1), and each reads on light and dark pages.
  const PALETTE = ["#2563eb", "#7c3aed", "#be185d", "#0f766e", "#b45309", "#15803d", "#4f46e5",
    "#0369a1", "#a21caf", "#9f1239", "#3f6212", "#6d28d9"];
  const REASONS = { override: "override", "covering-time-off": "covering time off" };

  const state = {
    auth: null,
    team: null,
    data: null,
    colours: new Map(),
    highlight: localStorage.getItem(HIGHLIGHT_KEY) || "",
    days: 28,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "vars") for (const [name, v] of Object.entries(value)) node.style.setProperty(name, v);
      else if (key === "style") Object.assign(node.style, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // --- signing in --------------------------------------------------------------------------

  function tokenFromAddress() {
    const url = new URL(window.location.href);
    if (!url.searchParams.has("token")) return;
    const token = url.searchParams.get("token").trim();
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
  }

  function inTeams() {
    return new URL(window.location.href).searchParams.get("inTeams") === "1";
  }

  function loadTeamsLibrary() {
    return new Promise((resolve, reject) => {
      const script = el("script", { src: TEAMS_LIBRARY });
      script.addEventListener("load", () => resolve(window.microsoftTeams));
      script.addEventListener("error", () => reject(new Error("the Teams library did not load")));
      document.head.append(script);
    });
  }

  async function teamsSignIn() {
    const teams = await loadTeamsLibrary();
    await teams.app.initialize();
    const context = await teams.app.getContext();
    applyTheme(context.app && context.app.theme);
    teams.app.registerOnThemeChangeHandler(applyTheme);
    state.team = (context.team && context.team.internalId) || null;
    const refresh = () => teams.authentication.getAuthToken();
    state.auth = { via: "teams", token: await refresh(), refresh };
    teams.app.notifySuccess();
  }

  function tokenSignIn() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    state.auth = token ? { via: "token", token, refresh: null } : null;
    return Boolean(token);
  }

  function askForToken(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.auth = null;
    $("content").hidden = true;
    $("signin").hidden = false;
    showStatus(message);
    setState("signin");
  }

  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    $("token").value = "";
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    tokenSignIn();
    $("signin").hidden = true;
    load();
  });

  // --- talking to the service -------------------------------------------------------------

  async function call(path, options = {}, retried = false) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${state.auth.token}` };
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      ...options, headers, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
    });
    if (response.status === 401 && state.auth.refresh && !retried) {
      state.auth.token = await state.auth.refresh();
      return call(path, options, true);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    return { status: response.status, ok: response.ok, body };
  }

  function problem(answer) {
    const error = answer.body && answer.body.error;
    return error ? error.message : `the service answered ${answer.status}`;
  }

  // --- the window and times ------------------------------------------------------------------

  function daysForWidth() {
    const width = document.documentElement.clientWidth;
    if (width >= 1100) return 28;
    if (width >= 800) return 21;
    if (width >= 520) return 14;
    return 7;
  }

  function windowAround(now) {
    const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + state.days);
    return [start, end];
  }

  const formats = {
    weekday: new Intl.DateTimeFormat(undefined, { weekday: "short" }),
    when: new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    }),
    day: new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" }),
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };

  function when(value) {
    return formats.when.format(new Date(value));
  }

  function inHowLong(from, to) {
    let minutes = Math.max(0, Math.round((to - from) / 60e3));
    const days = Math.floor(minutes / 1440);
    minutes -= days * 1440;
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
    if (hours) return `${hours} h ${minutes} min`;
    return `${minutes} min`;
  }

  // --- people --------------------------------------------------------------------------------

  function displayName(email) {
    if (!email) return "nobody";
    return email.split("@")[0].split(/[._-]+/).filter(Boolean)
      .map((part) => part[0].toUpperCase() + part.slice(1)).join(" ");
  }

  function initials(email) {
    return displayName(email).split(" ").map((part) => part[0]).join("").slice(0, 2);
  }

  function assignColours(rotations) {
    const people = [];
    for (const rotation of rotations) {
      people.push(...rotation.members, ...rotation.overrides.map((o) => o.person));
      people.push(...rotation.segments.map((s) => s.person).filter(Boolean));
    }
    for (const person of people) {
      if (!state.colours.has(person)) state.colours.set(person, PALETTE[state.colours.size % PALETTE.length]);
    }
  }

  function colour(person) {
    return state.colours.get(person) || "#6b7280";
  }

  // --- drawing -------------------------------------------------------------------------------

  function render() {
    const data = state.data;
    assignColours(data.rotations);
    const viewer = data.viewer;
    $("viewer").textContent = viewer.via === "teams"
      ? `Signed in as ${viewer.name}`
      : `Token “${viewer.name}”${viewer.admin ? " (admin)" : " (read-only)"}`;
    $("zone").textContent = `Times in ${formats.zone}`;
    if (viewer.email && !state.highlight) state.highlight = viewer.email;
    $("signin").hidden = true;
    $("content").hidden = false;
    renderHighlightChoice(data.rotations);
    renderCards(data);
    renderTimeline(data);
    renderLegend(data);
    renderChangeForm(data.rotations);
    renderFeeds(data);
  }

  function renderHighlightChoice(rotations) {
    const select = $("me");
    const people = [...new Set(rotations.flatMap((r) => r.members))].sort();
    select.replaceChildren(el("option", { value: "", text: "nobody" }),
      ...people.map((p) => el("option", { value: p, text: displayName(p) })));
    select.value = people.includes(state.highlight) ? state.highlight : "";
  }

  $("me").addEventListener("change", () => {
    state.highlight = $("me").value;
    localStorage.setItem(HIGHLIGHT_KEY, state.highlight);
    if (state.data) render();
  });

  function nextPrimary(rotation) {
    const current = rotation.on_call;
    if (!current.end) return null;
    const end = new Date(current.end);
    return rotation.segments.find((s) => s.layer === "primary" && new Date(s.start) >= end
      && s.person && s.person !== current.primary) || null;
  }

  function renderCards(data) {
    const now = new Date(data.now);
    const cards = data.rotations.map((rotation) => {
      const current = rotation.on_call;
      const person = current.primary;
      const reason = REASONS[current.primary_reason];
      const next = nextPrimary(rotation);
      const classes = ["card", person ? "" : "gap", person && person === state.highlight ? "mine" : ""];
      return el("article", {
        class: classes.join(" ").trim(), "data-rotation": rotation.name,
        vars: person ? { "--person": colour(person) } : {},
      },
      el("div", { class: "rotation", text: rotation.name }),
      el("div", { class: "person" }, person ? el("span", { class: "dot" }) : null,
        el("span", { class: "who", text: person ? displayName(person) : "Nobody is on duty" })),
      reason ? el("span", { class: "badge", text: reason }) : null,
      el("div", {
        class: "until",
        text: current.end ? `until ${when(current.end)} · in ${inHowLong(now, new Date(current.end))}` : "no end in sight",
      }),
      rotation.secondary ? el("div", { class: "secondary", text: `Secondary: ${displayName(current.secondary)}` }) : null,
      next ? el("div", { class: "next", text: `Next: ${displayName(next.person)} from ${when(next.start)}` }) : null);
    });
    if (!cards.length) cards.push(el("p", { class: "muted", text: "No rotations yet: create one with rota apply or in chat." }));
    $("oncall").replaceChildren(...cards);
  }

  function renderTimeline(data) {
    const start = new Date(data.start).getTime();
    const end = new Date(data.end).getTime();
    const span = end - start;
    const at = (t) => Math.min(1, Math.max(0, (new Date(t).getTime() - start) / span));
    const place = (from, to) => ({ left: `${at(from) * 100}%`, width: `${(at(to) - at(from)) * 100}%` });
    const days = dayStarts(new Date(start), new Date(end));
    const timeline = $("timeline");
    timeline.style.setProperty("--days", String(days.length - 1));
    $("range").textContent = `${formats.day.format(days[0])} – ${formats.day.format(new Date(end - 1))}`;

    const head = el("div", { class: "tl-head" }, el("div", { class: "tl-corner" }),
      el("div", { class: "tl-days" }, ...days.slice(0, -1).map((day, i) => dayLabel(day, days[i + 1], place, data))));
    const weekends = days.slice(0, -1).map((day, i) => [day, days[i + 1]])
      .filter(([day]) => day.getDay() === 0 || day.getDay() === 6);
    const rows = data.rotations.map((rotation) => timelineRow(rotation, place, weekends));
    const now = el("div", { class: "tl-now", title: `now: ${when(data.now)}` });
    now.style.left = `calc(var(--label) + (100% - var(--label)) * ${at(data.now)})`;
    timeline.replaceChildren(head, ...rows, now);
    labelBlocks(timeline);
  }

  function dayStarts(start, end) {
    const days = [];
    for (let i = 0; ; i += 1) {
      const day = new Date(start.getFullYear(), start.getMonth(), start.getDate() + i);
      days.push(day);
      if (day >= end) return days;
    }
  }

  function dayLabel(day, next, place, data) {
    const now = new Date(data.now);
    const today = now >= day && now < next;
    const date = day.getDate() === 1 ? formats.day.format(day) : String(day.getDate());
    return el("div", { class: `tl-day${today ? " today" : ""}`, style: place(day, next) },
      el("b", { text: formats.weekday.format(day) }), date);
  }

  function timelineRow(rotation, place, weekends) {
    const primary = rotation.segments.filter((s) => s.layer === "primary");
    const secondary = rotation.segments.filter((s) => s.layer === "secondary");
    const lanes = [el("div", { class: "lane primary" }, ...primary.map((s) => shiftBlock(s, place)))];
    if (secondary.length) lanes.push(el("div", { class: "lane secondary" }, ...secondary.map((s) => shiftBlock(s, place))));
    if (rotation.time_off.length) {
      lanes.push(el("div", { class: "lane away" }, ...rotation.time_off.map((t) => awayBlock(t, place))));
    }
    const shading = weekends.map(([from, to]) => el("div", { class: "tl-weekend", style: place(from, to) }));
    return el("div", { class: "tl-row", "data-rotation": rotation.name },
      el("div", { class: "tl-label" }, el("span", { class: "name", text: rotation.name }),
        el("span", { class: "meta", text: `${rotation.shift} shifts · ${rotation.timezone}` })),
      el("div", { class: "tl-track" }, ...shading, ...lanes));
  }

  function shiftBlock(segment, place) {
    const person = segment.person;
    const classes = ["block", person ? "" : "gap", segment.reason === "override" ? "override" : "",
      segment.reason === "covering-time-off" ? "covering" : "", person && person === state.highlight ? "mine" : ""];
    const reason = REASONS[segment.reason] ? ` (${REASONS[segment.reason]})` : "";
    const title = `${person ? displayName(person) : "Nobody"} · ${segment.layer} · ${when(segment.start)} – `
      + `${when(segment.end)}${reason}`;
    return el("div", {
      class: classes.join(" ").replace(/\s+/g, " ").trim(), style: place(segment.start, segment.end), title,
      "data-person": person || "", "data-reason": segment.reason, "data-layer": segment.layer,
      "data-name": person ? displayName(person).split(" ")[0] : "nobody",
      "data-initials": person ? initials(person) : "–",
      "data-mark": segment.reason === "override" ? "⇄" : "",
      vars: person ? { "--person": colour(person) } : {},
    });
  }

  function awayBlock(span, place) {
    return el("div", {
      class: "block away-span", style: place(span.start, span.end),
      title: `${displayName(span.person)} away · ${when(span.start)} – ${when(span.end)}`,
      "data-person": span.person, "data-name": `${displayName(span.person).split(" ")[0]} away`,
      "data-initials": initials(span.person), "data-mark": "",
    });
  }

  function labelBlocks(timeline) {
    for (const block of timeline.querySelectorAll(".block")) {
      const width = block.getBoundingClientRect().width;
      const mark = block.dataset.mark;
      const name = block.dataset.name;
      const text = width >= name.length * 7.5 + 12 ? name : width >= 22 ? block.dataset.initials : "";
      const content = block.classList.contains("gap") && text ? el("span", { text }) : text;
      block.replaceChildren(...(mark && width >= 40 ? [el("span", { class: "mark", text: mark })] : []), content);
    }
  }

  function renderLegend(data) {
    const shown = new Set(data.rotations.flatMap((r) => r.segments.map((s) => s.person)).filter(Boolean));
    const people = [...state.colours.keys()].filter((p) => shown.has(p));
    const keys = [
      ["override", "⇄ override"], ["covering", "covering time off"], ["away-span", "time off"],
      ["secondary", "secondary (thin row)"], ["gap", "nobody on duty"],
    ];
    if (state.highlight) keys.push(["mine", `${displayName(state.highlight)}'s shifts`]);
    $("legend").replaceChildren(
      ...people.map((p) => el("li", { vars: { "--person": colour(p) } }, el("span", { class: "swatch" }), displayName(p))),
      ...keys.map(([kind, text]) => el("li", {}, el("span", { class: `swatch ${kind}` }), text)));
  }

  // --- changing a rotation ---------------------------------------------------------------------

  function renderChangeForm(rotations) {
    const changeable = rotations.filter((r) => r.can_change);
    $("change").hidden = !changeable.length;
    if (!changeable.length) return;
    const select = $("change-rotation");
    const chosen = select.value;
    select.replaceChildren(...changeable.map((r) => el("option", { value: r.name, text: r.name })));
    if (changeable.some((r) => r.name === chosen)) select.value = chosen;
    fillPeople();
    if (!$("change-start").value) {
      const start = new Date(Math.ceil(Date.now() / HOUR) * HOUR);
      $("change-start").value = localInput(start);
      $("change-end").value = localInput(new Date(start.getTime() + DAY));
    }
  }

  function fillPeople() {
    const rotation = state.data.rotations.find((r) => r.name === $("change-rotation").value);
    $("change-people").replaceChildren(...(rotation ? rotation.members : []).map((p) => el("option", { value: p })));
  }

  $("change-rotation").addEventListener("change", fillPeople);

  function localInput(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  $("change").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = $("change");
    const kind = form.elements.kind.value;
    const rotation = $("change-rotation").value;
    const person = $("change-person").value.trim().toLowerCase();
    const start = new Date($("change-start").value);
    const end = new Date($("change-end").value);
    const result = $("change-result");
    if (!(end > start)) {
      showResult("error", "“Until” must be after “From”.");
      return;
    }
    $("change-submit").disabled = true;
    result.textContent = "";
    try {
      const answer = await call(`/api/v1/schedule/${encodeURIComponent(rotation)}/${kind}`, {
        method: "POST",
        body: JSON.stringify({ person, start: start.toISOString(), end: end.toISOString() }),
      });
      if (!answer.ok) {
        showResult("error", problem(answer));
        return;
      }
      const what = kind === "overrides" ? `${displayName(person)} takes ${rotation}` : `${displayName(person)} is away`;
      await load();
      showResult("ok", `Added: ${what} from ${when(answer.body.start)} until ${when(answer.body.end)}.`);
    } finally {
      $("change-submit").disabled = false;
    }
  });

  function showResult(kind, text) {
    const result = $("change-result");
    result.className = kind;
    result.textContent = text;
  }

  // --- alerts and calendar feeds ---------------------------------------------------------------

  // The service picks the rotations as it did for the schedule (same team, same viewer).
  async function loadAlerts() {
    const query = new URLSearchParams({ limit: String(ALERTS_SHOWN) });
    if (state.team) query.set("team", state.team);
    const answer = await call(`/api/v1/schedule/alerts?${query}`);
    const now = new Date(state.data.now);
    let items;
    if (!answer.ok || !Array.isArray(answer.body)) {
      items = [el("li", { class: "empty", text: `Cannot show the recent alerts: ${problem(answer)}.` })];
    } else if (!answer.body.length) {
      items = [el("li", { class: "empty", text: "No recent alerts in these rotations." })];
    } else {
      items = answer.body.map((alert) => el("li", { "data-state": alert.state },
        el("span", { class: `state ${alert.state}`, text: alert.state }),
        el("div", {}, el("div", { class: "title", text: alert.title }),
          el("div", { class: "meta", text: alertMeta(alert) })),
        el("span", { class: "meta", text: `${inHowLong(new Date(alert.starts_at), now)} ago` })));
    }
    $("alert-list").replaceChildren(...items);
    $("alerts").hidden = false;
  }

  function alertMeta(alert) {
    const parts = [alert.rotation, alert.severity];
    if (alert.acknowledged_by) parts.push(`acknowledged by ${displayName(alert.acknowledged_by)}`);
    if (alert.resolved_by) parts.push(`resolved by ${displayName(alert.resolved_by)}`);
    return parts.join(" · ");
  }

  function renderFeeds(data) {
    const origin = window.location.origin;
    const feeds = data.rotations.map((r) => [r.name, r.calendar]);
    if (data.my_calendar) feeds.unshift(["Your duties", data.my_calendar]);
    $("feeds").replaceChildren(...feeds.map(([name, path]) => el("li", {},
      el("span", { text: name }), el("code", { text: `${origin}${path}?token=READ_ONLY_TOKEN` }))));
  }

  // --- the page's life -------------------------------------------------------------------------

  function applyTheme(theme) {
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    document.documentElement.dataset.theme = theme === "dark" || theme === "contrast" ? theme
      : theme === "default" ? "light" : dark ? "dark" : "light";
  }

  function showStatus(text) {
    $("status").textContent = text || "";
    $("status").hidden = !text;
  }

  function setState(name) {
    $("app").dataset.state = name;
  }

  async function load() {
    state.days = daysForWidth();
    const [start, end] = windowAround(new Date());
    const query = new URLSearchParams({ from: start.toISOString(), to: end.toISOString() });
    if (state.team) query.set("team", state.team);
    const answer = await call(`/api/v1/schedule?${query}`);
    if (answer.status === 401 && state.auth.via === "token") {
      askForToken(`The API token was refused: ${problem(answer)}.`);
      return;
    }
    if (!answer.ok) {
      showStatus(`Cannot show the schedule: ${problem(answer)}.`);
      setState("error");
      return;
    }
    state.data = answer.body;
    showStatus("");
    render();
    await loadAlerts();
    setState("ready");
  }

  function watchWidth() {
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!state.data) return;
        if (daysForWidth() !== state.days) load();
        else labelBlocks($("timeline"));
      }, 200);
    });
  }

  async function start() {
    tokenFromAddress();
    applyTheme(null);
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      if (!inTeams()) applyTheme(null);
    });
    if (inTeams()) {
      try {
        await teamsSignIn();
      } catch (error) {
        askForToken(`Could not sign in through Teams (${error.message || error}). Use an API token instead.`);
        return;
      }
    } else if (!tokenSignIn()) {
      askForToken("");
      return;
    }
    watchWidth();
    await load();
    window.setInterval(() => { if (state.auth) load(); }, REFRESH_MS);
  }

  start();
})();
