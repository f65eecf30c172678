// The search page, enhanced: results follow the typing, the URL follows the query, Back works, ▶ plays inline.
(() => {
  "use strict";
  const form = document.querySelector("form.search");
  const box = document.getElementById("results");
  const player = document.getElementById("player");

  // Analytics beacons (POST /api/events): a result opened, a moment played and for how long. They never
  // hold up the page; text/plain keeps them simple requests, and the key cookie, if any, goes along.
  const beacon = (event) => {
    if (navigator.sendBeacon && event.doc_id > 0) navigator.sendBeacon("/api/events", new Blob([JSON.stringify(event)], { type: "text/plain" }));
  };
  const asked = () => new URLSearchParams(location.search).get("q") || "";
  document.addEventListener("click", (event) => {
    const link = event.target.closest(".card a:not(.play), .quote a:not(.play-quote)");
    if (link) beacon({ type: "click", doc_id: +link.closest("[data-doc]").dataset.doc, q: asked() });
  }, true);
  // Seconds heard: what timeupdate advances by in small steps (a seek is a jump, not listening).
  const track = (audio, doc) => {
    let first = null, last = null, heard = 0;
    const report = () => {
      if (heard >= 1) beacon({ type: "play", doc_id: doc, start: Math.round(first * 10) / 10, seconds: Math.round(heard * 10) / 10, q: asked() });
      first = null; heard = 0;
    };
    audio.addEventListener("playing", () => { if (first === null) first = audio.currentTime; last = audio.currentTime; });
    audio.addEventListener("seeking", () => { last = null; });
    audio.addEventListener("timeupdate", () => {
      const step = last === null ? 0 : audio.currentTime - last;
      if (step > 0 && step < 2 && !audio.paused) heard += step;
      last = audio.currentTime;
    });
    audio.addEventListener("pause", report);
    audio.addEventListener("ended", report);
    window.addEventListener("pagehide", report);
  };

  const seekAndPlay = (audio, seconds) => {
    const go = () => { audio.currentTime = seconds; audio.play().catch(() => {}); };
    if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
  };

  // ▶ on a result or on the answer's episode quote: an audio element there, playing from the passage's second.
  document.addEventListener("click", (event) => {
    const play = event.target.closest("a.play, a.play-quote");
    if (!play) return;
    event.preventDefault();
    const card = play.closest(".card, .quote");
    let audio = card.querySelector("audio");
    document.querySelectorAll("audio").forEach((other) => { if (other !== audio) other.pause(); });
    if (!audio) {
      audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "auto";
      audio.src = play.dataset.media;
      card.appendChild(audio);
      track(audio, +card.dataset.doc);
    }
    seekAndPlay(audio, parseFloat(play.dataset.start) || 0);
  });

  // A link that acts as a button (▶) answers Space as a button does, not only Enter.
  document.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.matches && event.target.matches("a[role=button]")) { event.preventDefault(); event.target.click(); }
  });

  // "Copy citation" on the answer card: the quote, who said it where and when, and the link, with a word that it worked.
  // Without script the button would do nothing, so it is hidden until now. Served over plain http (no
  // clipboard API there), a selected, unseen textarea and execCommand still copy.
  const copyButtons = () => document.querySelectorAll(".answer button.copy").forEach((b) => { b.hidden = false; });
  const copyText = (text, button) => navigator.clipboard ? navigator.clipboard.writeText(text) : new Promise((done, failed) => {
    const area = document.createElement("textarea");
    area.value = text; area.readOnly = true; area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    const copied = document.execCommand("copy");
    area.remove(); button.focus();
    if (copied) done(); else failed();
  });
  copyButtons();
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".answer button.copy");
    if (!button) return;
    const said = button.parentElement.querySelector(".copied");
    const tell = (text) => { said.textContent = text; clearTimeout(button.timer); button.timer = setTimeout(() => { said.textContent = ""; }, 4000); };
    copyText(button.dataset.citation, button).then(() => tell("Copied ✓"), () => tell("Could not copy; select the quote instead"));
  });

  // Timestamps on a document page seek its player.
  if (player) {
    track(player, +player.dataset.doc);
    document.addEventListener("click", (event) => {
      const stamp = event.target.closest("a.ts");
      if (!stamp) return;
      event.preventDefault();
      document.querySelectorAll(".transcript p.current").forEach((p) => p.classList.remove("current"));
      stamp.parentElement.classList.add("current");
      history.replaceState(null, "", stamp.getAttribute("href"));
      seekAndPlay(player, parseFloat(stamp.dataset.t) || 0);
    });
    // The paragraph being heard stays marked as the episode plays.
    const stamps = [...document.querySelectorAll(".transcript a.ts")];
    player.addEventListener("timeupdate", () => {
      const heard = stamps.filter((a) => parseFloat(a.dataset.t) <= player.currentTime + 0.25).pop();
      if (!heard || heard.parentElement.classList.contains("current")) return;
      document.querySelectorAll(".transcript p.current").forEach((p) => p.classList.remove("current"));
      heard.parentElement.classList.add("current");
    });
    const now = document.getElementById("now");
    if (now) now.scrollIntoView({ block: "center" });
    const start = parseFloat(player.dataset.start) || 0;
    if (start) player.addEventListener("loadedmetadata", () => { if (player.currentTime < start) player.currentTime = start; }, { once: true });
  }

  if (!form || !box || !window.fetch) return;
  const input = form.querySelector("input[name=q]");
  const fragmentUrl = form.dataset.results;
  let timer = 0, latest = 0;

  const load = async (search, push) => {
    const ticket = ++latest;
    const response = await fetch(fragmentUrl + search, { headers: { Accept: "text/html" } });
    if (ticket !== latest) return; // an older answer arriving late must not replace a newer one
    box.innerHTML = await response.text(); // server-rendered and escaped by the same templates as the page
    copyButtons();
    const url = "/" + search;
    if (push && url !== location.pathname + location.search) history.pushState(null, "", url);
    document.title = (input.value.trim() ? input.value.trim() + " — " : "") + "Clout";
  };

  const current = () => {
    const params = new URLSearchParams(new FormData(form));
    if (!params.get("q").trim()) return "";
    return "?" + params.toString();
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(current(), true), 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    load(current(), true);
  });

  box.addEventListener("click", (event) => {
    const more = event.target.closest("a.more");
    const facet = event.target.closest("a.facet, .nothing a, .examples a");
    if (more && more.dataset.fragment) {
      event.preventDefault();
      fetch(more.dataset.fragment).then((r) => r.text()).then((html) => {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const list = box.querySelector("ol.cards");
        const first = holder.querySelector("li");
        holder.querySelectorAll("ol > li").forEach((li) => list.appendChild(li));
        more.parentElement.replaceWith(...holder.querySelectorAll(".more-wrap"));
        if (first) first.querySelector("h3 a").focus();
      });
    } else if (facet) {
      event.preventDefault();
      const url = new URL(facet.href);
      input.value = url.searchParams.get("q") || "";
      syncHidden(url.searchParams);
      load(url.search, true);
    }
  });

  // Filters live in hidden inputs so that typing keeps them.
  const syncHidden = (params) => {
    form.querySelectorAll("input[type=hidden]").forEach((h) => h.remove());
    for (const name of ["kind", "site", "speaker"]) {
      const value = params.get(name);
      if (!value) continue;
      const hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = name; hidden.value = value;
      form.appendChild(hidden);
    }
  };

  window.addEventListener("popstate", () => {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    syncHidden(params);
    load(location.search, false);
  });
})();
