/* rtmp-ingest dashboard: live streams and events from the ingest's own API.
 *
 * State comes from GET /api/v1/streams once (and again after each reconnect),
 * then from the event stream GET /api/v1/events. The stream is read with
 * fetch() rather than EventSource because EventSource cannot send an
 * Authorization header: with -api-token set, every request here carries
 * "Authorization: Bearer <token>", the token the user typed, kept in this
 * tab's sessionStorage only. Reconnects send Last-Event-ID, so the server
 * replays what was missed. Nothing outside the API is ever requested. */
(function () {
  "use strict";

  var API = "/api/v1";
  var MAX_EVENTS = 200;
  var SPARK_POINTS = 60;
  var RETRY_MS = 1000;
  /* The server writes at least a keepalive comment every
   * X-Keepalive-Interval-Ms (0 = never). A stream silent for three of those has
   * stalled (a stopped server, a proxy or network holding the connection open
   * while nothing comes) and is reopened. Until a server has said, 45 s. */
  var stallMs = 45000;

  var streams = new Map();   /* key -> stream state */
  var players = new Map();   /* key -> player count, also before a publish */
  var events = [];           /* newest first, at most MAX_EVENTS */
  var seen = new Set();      /* event ids already shown (replays overlap) */
  var lastEventId = "";
  var token = sessionStorage.getItem("rtmp-ingest-token") || "";
  var afterToken = null;     /* what to retry once a token is entered */
  var streamAbort = null;

  var $ = function (id) { return document.getElementById(id); };

  function headers() {
    var h = {};
    if (token) h.Authorization = "Bearer " + token;
    return h;
  }

  function showError(text) {
    var el = $("error");
    el.textContent = text || "";
    el.hidden = !text;
  }

  /* ------------------------------------------------------------ token */

  function askToken(reason, retry) {
    afterToken = retry;
    $("token-reason").textContent = reason;
    $("token-form").hidden = false;
    $("token-input").value = "";
    $("token-input").focus();
  }

  $("token-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    token = $("token-input").value;
    sessionStorage.setItem("rtmp-ingest-token", token);
    $("token-form").hidden = true;
    var retry = afterToken;
    afterToken = null;
    if (retry) retry();
  });
  $("token-cancel").addEventListener("click", function () {
    $("token-form").hidden = true;
    afterToken = null;
  });
  $("token-button").addEventListener("click", function () {
    askToken("API token (-api-token) for this tab:", restart);
  });

  /* ------------------------------------------------------------ formatting */

  function fmtDuration(sec) {
    sec = Math.max(0, Math.floor(sec));
    var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" + two(m) : m) + ":" + two(s);
  }

  function fmtVideo(v) {
    if (!v || !v.codec) return "\u2013";
    var text = v.codec;
    if (v.width && v.height) text += " " + v.width + "\u00d7" + v.height;
    if (v.fps) text += " @" + Math.round(v.fps * 100) / 100;
    return text;
  }

  function fmtAudio(a) {
    if (!a || !a.codec) return "\u2013";
    var text = a.codec;
    if (a.sample_rate) text += " " + a.sample_rate / 1000 + " kHz";
    if (a.channels) text += a.channels === 1 ? " mono" : a.channels === 2 ? " stereo" : " " + a.channels + "ch";
    return text;
  }

  function sparkline(points) {
    if (points.length < 2) return "";
    var max = Math.max.apply(null, points.concat([1]));
    var step = 120 / (SPARK_POINTS - 1);
    var x0 = 120 - step * (points.length - 1);
    var coords = points.map(function (p, i) {
      return (x0 + i * step).toFixed(1) + "," + (27 - (p / max) * 25).toFixed(1);
    });
    return '<svg class="spark" viewBox="0 0 120 28" preserveAspectRatio="none">' +
           '<polyline points="' + coords.join(" ") + '"></polyline></svg>';
  }

  /* ------------------------------------------------------------ state */

  function stream(key) {
    var s = streams.get(key);
    if (!s) {
      s = { key: key, since: Date.now() / 1000, video: {}, audio: {}, bitrate: null, history: [] };
      streams.set(key, s);
    }
    return s;
  }

  function addBitrate(s, kbps) {
    if (typeof kbps !== "number") return;
    s.bitrate = kbps;
    s.history.push(kbps);
    if (s.history.length > SPARK_POINTS) s.history.shift();
  }

  function sinceSeconds(v) {
    if (typeof v === "number") return v > 1e12 ? v / 1000 : v;
    var t = Date.parse(v);
    return isNaN(t) ? Date.now() / 1000 : t / 1000;
  }

  function loadStreams(list) {
    var keep = new Map();
    (Array.isArray(list) ? list : list.streams || []).forEach(function (j) {
      var old = streams.get(j.key);
      var s = old || { key: j.key, history: [] };
      var pub = j.publisher || {};
      s.since = pub.since !== undefined ? sinceSeconds(pub.since) : (old ? old.since : Date.now() / 1000);
      s.video = j.video || {};
      s.audio = j.audio || {};
      if (!old) addBitrate(s, j.bitrate_kbps);
      else s.bitrate = j.bitrate_kbps;
      if (typeof j.players === "number") players.set(j.key, j.players);
      keep.set(j.key, s);
    });
    streams = keep;
    render();
  }

  function apply(ev) {
    var key = ev.stream_key, d = ev.data || {};
    switch (ev.type) {
      case "publish_start":
        var s = stream(key);
        s.since = ev.timestamp || Date.now() / 1000;
        s.video = {}; s.audio = {}; s.history = []; s.bitrate = null;
        break;
      case "publish_stop":
        streams.delete(key);
        break;
      case "stream_delete":
        streams.delete(key);
        players.delete(key);
        break;
      case "codec_detected":
        if (streams.has(key)) {
          var t = d.media === "audio" ? stream(key).audio : stream(key).video;
          Object.keys(d).forEach(function (k) { if (k !== "media") t[k] = d[k]; });
        }
        break;
      case "subscriber_count":
        players.set(key, d.count);
        break;
      case "stream_stats":
        if (streams.has(key)) {
          addBitrate(stream(key), d.bitrate_kbps);
          if (typeof d.fps === "number" && d.fps > 0) stream(key).video.fps = d.fps;
        }
        if (typeof d.players === "number") players.set(key, d.players);
        break;
    }
  }

  /* ------------------------------------------------------------ rendering */

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  /* Rows are updated in place (not rebuilt), so a kick button stays the same
   * element while its stream is live. */
  var rows = new Map(); /* key -> tr */

  function newRow(key) {
    var tr = document.createElement("tr");
    tr.dataset.key = key;
    cell(tr, key, "key");
    ["video", "audio", "num bitrate", "num players", "num uptime"].forEach(function (c) {
      cell(tr, "", c);
    });
    var kick = document.createElement("button");
    kick.type = "button";
    kick.className = "kick";
    kick.textContent = "kick";
    kick.addEventListener("click", function () { doKick(key, kick); });
    cell(tr, "").appendChild(kick);
    return tr;
  }

  function setText(tr, cls, text) {
    var td = tr.getElementsByClassName(cls)[0];
    if (td.textContent !== text) td.textContent = text;
  }

  function render() {
    var body = $("stream-rows");
    var keys = Array.from(streams.keys()).sort();
    var now = Date.now() / 1000;
    rows.forEach(function (tr, key) {
      if (!streams.has(key)) {
        tr.remove();
        rows.delete(key);
      }
    });
    keys.forEach(function (key, i) {
      var s = streams.get(key);
      var tr = rows.get(key);
      if (!tr) {
        tr = newRow(key);
        rows.set(key, tr);
      }
      if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
      setText(tr, "video", fmtVideo(s.video));
      setText(tr, "audio", fmtAudio(s.audio));
      var br = tr.getElementsByClassName("bitrate")[0];
      var html = sparkline(s.history) +
          (typeof s.bitrate === "number" ? Math.round(s.bitrate) + " kbps" : "\u2013");
      if (br.dataset.html !== html) {
        br.innerHTML = html;
        br.dataset.html = html;
      }
      setText(tr, "players", String(players.get(key) || 0));
      setText(tr, "uptime", fmtDuration(now - s.since));
    });
    $("streams").hidden = keys.length === 0;
    $("no-streams").hidden = keys.length !== 0;
    $("stream-count").textContent = String(keys.length);
  }

  function renderEvents() {
    var body = $("event-rows");
    body.textContent = "";
    events.forEach(function (ev) {
      var tr = document.createElement("tr");
      tr.dataset.type = ev.type;
      var when = new Date((ev.timestamp || 0) * 1000);
      cell(tr, isNaN(when) ? "" : when.toLocaleTimeString(), "time");
      cell(tr, ev.type, "type");
      cell(tr, ev.stream_key || "", "stream");
      cell(tr, ev.conn_id || "", "conn");
      cell(tr, JSON.stringify(ev.data || {}), "data");
      body.appendChild(tr);
    });
  }

  function record(ev) {
    if (ev.id) {
      if (seen.has(ev.id)) return;
      seen.add(ev.id);
    }
    apply(ev);
    events.unshift(ev);
    while (events.length > MAX_EVENTS) {
      var old = events.pop();
      if (old.id) seen.delete(old.id);
    }
    scheduleRender();
  }

  /* Events come in bursts (thousands when many clients connect at once, or
   * the replay after a reconnect): the tables are redrawn once per burst,
   * shortly after its first event, not once per event. */
  var renderPending = false;
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    setTimeout(function () {
      renderPending = false;
      render();
      renderEvents();
    }, 50);
  }

  /* ------------------------------------------------------------ API */

  function setConn(on, text) {
    var el = $("link");
    el.className = "link " + (on ? "on" : "off");
    el.textContent = text;
  }

  function fetchStreams(signal) {
    return fetch(API + "/streams", { headers: headers(), cache: "no-store", signal: signal })
    .then(function (r) {
      if (r.status === 401) {
        var e = new Error("unauthorized");
        e.status = 401;
        throw e;
      }
      if (!r.ok) throw new Error("GET /streams: HTTP " + r.status);
      return r.json();
    }).then(loadStreams);
  }

  /* Reads Server-Sent Events from a fetch() body: blocks end at a blank line;
   * "data:" lines join with newlines, "id:" sets the resume point. */
  function readEvents(response, signal, onData) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function block(text) {
      var data = [], id = null;
      text.split(/\r\n|\r|\n/).forEach(function (line) {
        if (line === "" || line[0] === ":") return;
        var colon = line.indexOf(":");
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(value);
        else if (field === "id") id = value;
      });
      if (id !== null) lastEventId = id;
      if (!data.length) return;
      try {
        record(JSON.parse(data.join("\n")));
      } catch (e) {
        /* not an event payload (a comment or keep-alive); ignore */
      }
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || signal.aborted) return;
        onData();
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
        buffer = parts.pop();
        parts.forEach(block);
        return pump();
      });
    }
    return pump();
  }

  function connect() {
    var controller = new AbortController();
    streamAbort = controller;
    var stalled = false, watchdog = null;
    function watch() {
      clearTimeout(watchdog);
      if (stallMs <= 0) return;
      watchdog = setTimeout(function () {
        if (streamAbort !== controller) return;
        stalled = true;
        controller.abort();
      }, stallMs);
    }
    /* Whether the attempt ended by itself (or stalled), so it is retried;
     * an abort from restart() is not. */
    function ended() {
      clearTimeout(watchdog);
      return stalled || !controller.signal.aborted;
    }
    var h = headers();
    h.Accept = "text/event-stream";
    if (lastEventId) h["Last-Event-ID"] = lastEventId;
    /* The event stream opens first and the snapshot is read after it: events
     * from before the snapshot then only replay what it already holds, and
     * none falls between the two. */
    var opened;
    watch();
    fetch(API + "/events", { headers: h, signal: controller.signal, cache: "no-store" })
    .then(function (r) {
      if (r.status === 401) {
        var e = new Error("unauthorized");
        e.status = 401;
        throw e;
      }
      if (!r.ok || !r.body) throw new Error("GET /events: HTTP " + r.status);
      opened = r;
      var every = parseInt(r.headers.get("X-Keepalive-Interval-Ms"), 10);
      if (every >= 0) stallMs = every > 0 ? 3 * every : 0;
      watch();
      return fetchStreams(controller.signal);
    }).then(function () {
      setConn(true, "live");
      showError("");
      return readEvents(opened, controller.signal, watch);
    }).then(function () {
      if (!ended()) return;
      setConn(false, stalled ? "reconnecting (stalled)" : "reconnecting");
      setTimeout(connect, RETRY_MS);
    }, function (e) {
      if (!ended()) return;
      if (e.status === 401) {
        setConn(false, "token needed");
        askToken(token ? "The API refused this token; enter -api-token:" :
                         "This server needs its API token (-api-token):", restart);
        return;
      }
      setConn(false, stalled ? "reconnecting (stalled)" : "reconnecting");
      setTimeout(connect, RETRY_MS);
    });
  }

  function restart() {
    if (streamAbort) streamAbort.abort();
    connect();
  }

  function doKick(key, button) {
    button.disabled = true;
    var slash = key.indexOf("/");
    var path = API + "/streams/" + encodeURIComponent(key.slice(0, slash)) + "/" +
               encodeURIComponent(key.slice(slash + 1)) + "/kick";
    fetch(path, { method: "POST", headers: headers() }).then(function (r) {
      button.disabled = false;
      if (r.status === 401) {
        askToken("Kicking " + key + " needs the API token (-api-token):",
                 function () { doKick(key, button); });
      } else if (!r.ok && r.status !== 404) {
        /* The server says why: a 403 names the cross-origin rule and its fixes. */
        var shown = "kick " + key + ": HTTP " + r.status;
        r.json().then(function (b) {
          showError(b && b.error ? shown + ": " + b.error : shown);
        }, function () { showError(shown); });
      }
    }, function (e) {
      button.disabled = false;
      showError("kick " + key + ": " + e.message);
    });
  }

  setInterval(render, 1000); /* uptime ticks */
  connect();
})();
