// Clout's search widget: <clout-search> in a shadow root. No dependencies, no build step.
// Scraped text only ever reaches the page through textContent; highlight <mark>s are rebuilt as elements.
(() => {
  "use strict";
  if (customElements.get("clout-search")) return;
  const here = document.currentScript && document.currentScript.src ? new URL(document.currentScript.src).origin : location.origin;
  const instances = [];

  const CSS = `
:host{display:inline-block;color-scheme:light dark}
*{box-sizing:border-box}
.ui{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:left;--bg:#fff;--fg:#1d1f23;--mu:#555b66;--ln:#d6d3cc;--ac:#0b57d0;--acf:#fff;--mk:#ffe58a;--mkf:#1d1f23;--hi:#eef3fd;--ep:#7b2cbf;--ar:#0f6b4f;color:var(--fg)}
.ui.dark{--bg:#1e2126;--fg:#e8e6e1;--mu:#a5abb6;--ln:#3a3f49;--ac:#8ab4f8;--acf:#0d1117;--mk:#6b5600;--mkf:#fff8dc;--hi:#2a3140;--ep:#d0a8ff;--ar:#7fd8b4}
.trigger{font:inherit;display:inline-flex;gap:.6em;align-items:center;padding:.45em .8em;border:1px solid var(--ln);border-radius:.5em;background:var(--bg);color:var(--mu);cursor:pointer;min-width:14em}
kbd{font:inherit;font-size:.8em;border:1px solid var(--ln);border-radius:.3em;padding:0 .35em;margin-left:auto}
:focus-visible{outline:3px solid #c2410c;outline-offset:2px}
.back{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;justify-content:center;align-items:flex-start;padding:8vh 1em 1em;z-index:2147483000}
.back[hidden]{display:none}
.panel{background:var(--bg);color:var(--fg);width:min(40em,100%);max-height:80vh;display:flex;flex-direction:column;border-radius:.8em;box-shadow:0 1em 3em rgba(0,0,0,.35);overflow:hidden}
.bar{display:flex;gap:.5em;padding:.7em;border-bottom:1px solid var(--ln)}
input{flex:1;min-width:0;font:inherit;padding:.5em .7em;border:2px solid var(--ln);border-radius:.5em;background:var(--bg);color:var(--fg)}
input:focus{border-color:var(--ac);outline:none}
button{font:inherit;cursor:pointer;border:0;border-radius:.5em}
.x{background:transparent;color:var(--mu);border:1px solid var(--ln);padding:0 .6em}
.sc{overflow-y:auto;min-height:0}
ul{list-style:none;margin:0;padding:.3em}
li{padding:.6em .7em;border-radius:.5em;cursor:pointer}
li.on{background:var(--hi)}
.m{font-size:.78em;color:var(--mu);display:flex;gap:.5em}
.b{font-weight:700;text-transform:uppercase;letter-spacing:.05em}
.b.episode{color:var(--ep)}.b.article{color:var(--ar)}
a{color:var(--fg);font-weight:600;text-decoration:none}
a:hover{text-decoration:underline}
p{margin:.2em 0;font-size:.92em;overflow-wrap:anywhere}
mark{background:var(--mk);color:var(--mkf);border-radius:.15em}
.play{background:var(--ep);color:var(--bg);font-weight:700;padding:.2em .7em;border-radius:1em;font-size:.85em}
audio{display:block;width:100%;margin-top:.4em}
.s{margin:0;padding:.6em 1em;color:var(--mu);font-size:.9em}
.ans{margin:.6em .6em .2em;padding:.6em .8em;border:1px solid var(--ln);border-left:4px solid var(--ac);border-radius:.6em}
h2{margin:0 0 .2em;font-size:.72em;text-transform:uppercase;letter-spacing:.06em;color:var(--mu)}
figure{margin:0}figure+figure{margin-top:.6em;padding-top:.6em;border-top:1px solid var(--ln)}
blockquote{margin:.25em 0;padding-left:.6em;border-left:3px solid var(--mk);font-size:.95em;overflow-wrap:anywhere}
blockquote::before{content:"“"}blockquote::after{content:"”"}
.acts{display:flex;gap:.3em .6em;align-items:center;flex-wrap:wrap;margin-top:.3em}
.cp{background:none;color:var(--ac);border:1px solid var(--ln);padding:.1em .7em;border-radius:1em;font-size:.85em}
.ok{font-size:.8em;color:var(--mu)}
.s:empty{display:none}`;

  const HTML = `<div class="ui"><button class="trigger" type="button" aria-haspopup="dialog"><span class="label"></span><kbd></kbd></button>
<div class="back" hidden><div class="panel" role="dialog" aria-modal="true" aria-label="Search">
<div class="bar"><input type="search" role="combobox" aria-expanded="false" aria-controls="list" aria-autocomplete="list" aria-label="Search" autocomplete="off" maxlength="1000">
<button class="x" type="button" aria-label="Close search">Esc</button></div>
<div class="sc"><section class="ans" aria-label="Answer" hidden></section><ul id="list" role="listbox" aria-label="Results"></ul></div><p class="s" role="status" aria-live="polite"></p></div></div></div>`;

  const clock = (t) => { t = Math.floor(t || 0); const h = Math.floor(t / 3600), m = Math.floor(t % 3600 / 60), s = String(t % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`; };
  const ENT = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  const decode = (s) => s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e) =>
    e[0] !== "#" ? ENT[e.toLowerCase()] : String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : +e.slice(1)));
  const el = (tag, cls, text) => { const n = document.createElement(tag); if (cls) n.className = cls; if (text != null) n.textContent = text; return n; };

  // The highlight is escaped HTML with <mark>; rebuild it from text nodes so nothing else can become markup.
  const passage = (hit) => {
    const p = el("p"), parts = (hit.highlight || "").split(/(<\/?mark>)/);
    if (!hit.highlight) { p.textContent = hit.snippet || ""; return p; }
    let inMark = false;
    for (const part of parts) {
      if (part === "<mark>") inMark = true; else if (part === "</mark>") inMark = false;
      else if (part) p.appendChild(inMark ? el("mark", "", decode(part)) : document.createTextNode(decode(part)));
    }
    return p;
  };
  const fragment = (text) => { const w = (text || "").split(/\s+/).filter(Boolean), e = (a) => encodeURIComponent(a.join(" ")).replace(/-/g, "%2D");
    return !w.length ? "" : w.length <= 10 ? "#:~:text=" + e(w) : "#:~:text=" + e(w.slice(0, 5)) + "," + e(w.slice(-5)); };
  const safeUrl = (u) => /^https?:\/\//i.test(u || "") ? u : "";

  class CloutSearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet];
      } else root.appendChild(el("style", "", CSS));
      const t = document.createElement("template"); t.innerHTML = HTML; root.appendChild(t.content);
      const $ = (s) => root.querySelector(s);
      this.ui = $(".ui"); this.back = $(".back"); this.input = $("input"); this.list = $("ul"); this.ans = $(".ans"); this.sc = $(".sc"); this.status = $(".s"); this.trigger = $(".trigger");
      const mac = /Mac|iP/.test(navigator.platform || "");
      $(".label").textContent = this.getAttribute("placeholder") || "Search Clout";
      $("kbd").textContent = mac ? "⌘K" : "Ctrl K";
      this.input.placeholder = this.getAttribute("placeholder") || "Ask a question";
      this.trigger.addEventListener("click", () => this.open());
      $(".x").addEventListener("click", () => this.close());
      this.back.addEventListener("mousedown", (e) => { if (e.target === this.back) this.close(); });
      this.input.addEventListener("input", () => { clearTimeout(this.timer); this.timer = setTimeout(() => this.search(), 200); });
      this.back.addEventListener("keydown", (e) => this.key(e));
      this.theme();
      matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.theme());
      instances.push(this);
    }
    disconnectedCallback() { const i = instances.indexOf(this); if (i >= 0) instances.splice(i, 1); }

    // Follow the host page: an explicit theme attribute, its color-scheme, a "dark" class or data-theme, else the system.
    theme() {
      const h = document.documentElement, want = this.getAttribute("theme"), cs = getComputedStyle(h).colorScheme || "";
      const meta = (document.querySelector('meta[name="color-scheme"]') || {}).content || "";
      let dark = matchMedia("(prefers-color-scheme: dark)").matches;
      if (/^(light|dark)$/.test(cs.trim())) dark = cs.trim() === "dark";
      else if (/^(light|dark)$/.test(meta.trim())) dark = meta.trim() === "dark";
      if (h.classList.contains("dark") || h.dataset.theme === "dark") dark = true;
      if (h.classList.contains("light") || h.dataset.theme === "light") dark = false;
      if (want === "dark" || want === "light") dark = want === "dark";
      this.ui.classList.toggle("dark", dark);
    }
    // A beacon cannot send headers: the key (bound to this page's origin) goes in its text/plain body.
    send(ev) { if (navigator.sendBeacon) navigator.sendBeacon(this.endpoint + "/api/events", new Blob([JSON.stringify({ ...ev, q: this.input.value.trim(), key: this.getAttribute("key") || undefined })], { type: "text/plain" })); }
    track(audio, doc) {
      let first = null, last = null, heard = 0;
      const report = () => { if (heard >= 1) this.send({ type: "play", doc_id: doc, start: first, seconds: heard }); first = null; heard = 0; };
      audio.addEventListener("playing", () => { if (first === null) first = audio.currentTime; last = audio.currentTime; });
      audio.addEventListener("seeking", () => { last = null; });
      audio.addEventListener("timeupdate", () => { const d = last === null ? 0 : audio.currentTime - last; if (d > 0 && d < 2 && !audio.paused) heard += d; last = audio.currentTime; });
      audio.addEventListener("pause", report); audio.addEventListener("ended", report); addEventListener("pagehide", report);
    }
    get endpoint() { return (safeUrl(this.getAttribute("endpoint")) || here).replace(/\/+$/, ""); }

    open() { this.theme(); this.back.hidden = false; this.input.focus(); this.input.select(); }
    close() { this.back.hidden = true; this.back.querySelectorAll("audio").forEach((a) => a.pause()); this.trigger.focus(); }

    key(e) {
      const items = [...this.list.children];
      if (e.key === "Escape") { e.preventDefault(); this.close(); }
      else if (e.key === "Tab") { // keep focus inside the dialog while it is open
        const f = [...this.back.querySelectorAll("input,button,a,audio")], i = f.indexOf(this.shadowRoot.activeElement);
        if (e.shiftKey ? i <= 0 : i === f.length - 1) { e.preventDefault(); f[e.shiftKey ? f.length - 1 : 0].focus(); }
      }
      else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (items.length) this.select((this.active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
      } else if (e.key === "Enter" && e.target === this.input && items.length) { e.preventDefault(); this.activate(items[Math.max(this.active, 0)]); }
    }
    select(i) {
      [...this.list.children].forEach((li, j) => { li.classList.toggle("on", i === j); li.setAttribute("aria-selected", String(i === j)); });
      this.active = i;
      const li = this.list.children[i];
      if (li) { this.input.setAttribute("aria-activedescendant", li.id); li.scrollIntoView({ block: "nearest" }); }
    }
    activate(li) {
      if (li.hit.kind === "episode") this.play(li);
      else { const a = li.querySelector("a"); if (a) { this.send({ type: "click", doc_id: li.hit.doc_id }); window.open(a.href, "_blank", "noopener"); } }
    }
    async play(li) {
      this.back.querySelectorAll("audio").forEach((a) => a.pause());
      let audio = li.querySelector("audio"), key = this.getAttribute("key"), id = +li.hit.doc_id;
      if (!audio) {
        audio = el("audio"); audio.controls = true; audio.preload = "auto"; li.appendChild(audio); this.track(audio, id);
        // <audio> sends no header: with a key, play from the short-lived signed URL the server gives for it.
        audio.src = key ? (await (await fetch(`${this.endpoint}/api/media/${id}`, { headers: { Authorization: "Bearer " + key } })).json()).url : `${this.endpoint}/media/${id}`;
      }
      const start = li.hit.start || 0, go = () => { audio.currentTime = start; audio.play().catch(() => {}); };
      if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
    }

    async search() {
      const q = this.input.value.trim(), ticket = (this.ticket = (this.ticket || 0) + 1);
      if (!q) { this.show([], ""); return; }
      const params = new URLSearchParams({ q, k: String(Math.min(Math.max(parseInt(this.getAttribute("results"), 10) || 5, 1), 20)) });
      const kinds = (this.getAttribute("kinds") || "").split(",").map((k) => k.trim()).filter((k) => k === "article" || k === "episode");
      if (kinds.length === 1) params.set("kind", kinds[0]);
      try {
        const key = this.getAttribute("key"), r = await fetch(`${this.endpoint}/api/search?${params}`,
          { mode: "cors", credentials: "omit", headers: key ? { Authorization: "Bearer " + key } : {} });
        if (!r.ok) throw new Error(String(r.status));
        const data = await r.json();
        // The forgiven spelling goes in as text (textContent), never as markup.
        const found = data.searched_for ? `Showing results for “${data.searched_for}”` : "";
        if (ticket === this.ticket) this.show(data.results || [], data.results && data.results.length ? found : `Nothing matches “${q}”.`, data.answer);
      } catch (_) {
        if (ticket === this.ticket) this.show([], "Search is not available on this page.");
      }
    }
    // Where a quote or a result links: its own http(s) URL (a quote's is a deep link, perhaps a path on Clout), else Clout's page for it.
    link(hit, deep) {
      const ep = hit.kind === "episode", url = safeUrl(hit.url) || (deep && /^\/(?![/\\])/.test(hit.url || "") ? this.endpoint + hit.url : "");
      return (deep || !ep) && url ? url + (deep ? "" : fragment(hit.text)) : `${this.endpoint}/documents/${+hit.doc_id}${ep ? "?t=" + Math.floor(hit.start || 0) : ""}`;
    }
    // The answer card: each quote as text, who said it and when, its link, ▶ for an episode, and "Copy citation".
    card(answer, hits) {
      const quotes = (answer && answer.quotes) || [];
      this.ans.replaceChildren(...(quotes.length ? [el("h2", "", "Answer")] : []));
      this.ans.hidden = !quotes.length;
      for (const q of quotes) {
        const f = el("figure"), ep = q.kind === "episode", who = (ep && q.speaker) || q.author || "", href = this.link(q, true), t = clock(q.start);
        const meta = el("div", "m"), a = el("a", "", q.title || "Untitled"), acts = el("div", "acts"), ok = el("span", "ok"), cp = el("button", "cp", "Copy citation");
        f.hit = q;
        const site = q.site || (hits.find((h) => h.doc_id === q.doc_id) || {}).site;
        meta.append(el("span", "b " + (ep ? "episode" : "article"), ep ? "Episode" : "Article"), el("span", "", [site, who, q.date].filter(Boolean).join(" · ")));
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        a.addEventListener("click", () => this.send({ type: "click", doc_id: q.doc_id }));
        if (ep) { const b = el("button", "play", "▶ " + t); b.type = "button"; b.setAttribute("aria-label", `Play the quote from ${t}`); b.addEventListener("click", () => this.play(f)); acts.append(b); }
        cp.type = "button"; ok.setAttribute("role", "status");
        const cite = `“${q.text}”\n— ${[who, q.title, q.date, ep ? "at " + t : ""].filter(Boolean).join(", ")}\n${href}`, c = navigator.clipboard;
        cp.addEventListener("click", () => (c ? c.writeText(cite) : Promise.reject()).then(() => { ok.textContent = "Copied ✓"; }, () => { ok.textContent = "Could not copy"; }));
        acts.append(cp, ok);
        f.append(meta, el("blockquote", "", q.text || ""), a, acts);
        this.ans.append(f);
      }
    }
    show(hits, message, answer) {
      this.card(answer, hits);
      this.list.replaceChildren();
      this.status.textContent = message;
      hits.forEach((hit, i) => {
        const li = el("li"); li.id = "o" + i; li.setAttribute("role", "option"); li.hit = hit;
        const meta = el("div", "m"); meta.append(el("span", "b " + (hit.kind === "episode" ? "episode" : "article"), hit.kind === "episode" ? "Episode" : "Article"), el("span", "", hit.site || ""));
        const a = el("a", "", hit.title || "Untitled"); a.target = "_blank"; a.rel = "noopener noreferrer";
        a.addEventListener("click", () => this.send({ type: "click", doc_id: hit.doc_id }));
        a.href = this.link(hit);
        li.append(meta, a, passage(hit));
        if (hit.kind === "episode") {
          const t = clock(hit.start), w = hit.speaker, b = el("button", "play", w ? `${w}, ${t} ▶` : "▶ " + t);
          b.type = "button"; b.setAttribute("aria-label", `Play ${w ? w + " " : ""}from ${t}`);
          b.addEventListener("click", (e) => { e.stopPropagation(); this.play(li); });
          li.append(b);
        }
        li.addEventListener("mousemove", () => this.active !== i && this.select(i));
        this.list.append(li);
      });
      this.input.setAttribute("aria-expanded", String(hits.length > 0));
      this.active = -1;
      if (hits.length) this.select(0); else this.input.removeAttribute("aria-activedescendant");
      this.sc.scrollTop = 0; // the answer card, when there is one, is what is seen first
    }
  }

  document.addEventListener("keydown", (e) => {
    const w = instances[0];
    if (!w || !w.back.hidden) return;
    const t = e.composedPath()[0], typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if ((e.key === "k" || e.key === "K") && (e.ctrlKey || e.metaKey)) { e.preventDefault(); w.open(); }
    else if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); w.open(); }
  });
  customElements.define("clout-search", CloutSearch);
})();
