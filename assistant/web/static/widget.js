/* The OECD Digital Government Strategies assistant as a drop-in chat panel for any page.
 *   <script src="https://ASSISTANT/widget.js" data-key="pk_..." defer></script>
 * or <dgs-assistant key="pk_..." api="https://ASSISTANT"></dgs-assistant>
 * Options (data-* on the script, or attributes on the element): key, api, title, color, lang
 * (en, fr, es, de), open. Everything lives in a Shadow DOM: the page's CSS cannot reach it and
 * its CSS cannot reach the page. Text from the server or the user is only ever set as
 * textContent, never parsed as HTML. No dependency, no third-party request. */
(() => {
  "use strict";
  const TAG = "dgs-assistant";
  if (customElements.get(TAG)) return;
  const SCRIPT = document.currentScript;
  const T = {
    en: { title: "Ask the OECD Recommendations", open: "Ask the OECD Recommendations", close: "Close",
      label: "Your question", send: "Ask", back: "Back to the answer", searching: "Searching the texts…",
      notCovered: "Not covered by the texts", cited: "Clauses cited", related: "Nearest clauses",
      official: "Official text", refused: "This page ({o}) may not use the assistant, or the assistant cannot be reached.",
      failed: "The answer could not be completed.", intro: "Every sentence of an answer cites a clause of the OECD text it rests on.", texts: "Answers from: ",
      clause: "Clause {id}", empty: "Type a question first." },
    fr: { title: "Interroger les Recommandations de l’OCDE", open: "Interroger les Recommandations de l’OCDE", close: "Fermer",
      label: "Votre question", send: "Demander", back: "Retour à la réponse", searching: "Recherche dans les textes…",
      notCovered: "Hors du champ des textes", cited: "Dispositions citées", related: "Dispositions les plus proches",
      official: "Texte officiel", refused: "Cette page ({o}) n’est pas autorisée à utiliser l’assistant, ou l’assistant est injoignable.",
      failed: "La réponse n’a pas pu être complétée.", intro: "Chaque phrase d’une réponse cite une disposition du texte de l’OCDE sur lequel elle repose.", texts: "Réponses tirées de : ",
      clause: "Disposition {id}", empty: "Saisissez d’abord une question." },
    es: { title: "Preguntar a las Recomendaciones de la OCDE", open: "Preguntar a las Recomendaciones de la OCDE", close: "Cerrar",
      label: "Su pregunta", send: "Preguntar", back: "Volver a la respuesta", searching: "Buscando en los textos…",
      notCovered: "No cubierto por los textos", cited: "Cláusulas citadas", related: "Cláusulas más cercanas",
      official: "Texto oficial", refused: "Esta página ({o}) no puede usar el asistente, o el asistente no responde.",
      failed: "No se pudo completar la respuesta.", intro: "Cada frase de una respuesta cita una cláusula del texto de la OCDE en que se basa.", texts: "Respuestas a partir de: ",
      clause: "Cláusula {id}", empty: "Escriba primero una pregunta." },
    de: { title: "Die OECD-Empfehlungen fragen", open: "Die OECD-Empfehlungen fragen", close: "Schließen",
      label: "Ihre Frage", send: "Fragen", back: "Zurück zur Antwort", searching: "Die Texte werden durchsucht…",
      notCovered: "Von den Texten nicht abgedeckt", cited: "Zitierte Bestimmungen", related: "Nächste Bestimmungen",
      official: "Amtlicher Text", refused: "Diese Seite ({o}) darf den Assistenten nicht nutzen, oder er ist nicht erreichbar.",
      failed: "Die Antwort konnte nicht abgeschlossen werden.", intro: "Jeder Satz einer Antwort zitiert eine Bestimmung des OECD-Textes, auf dem er beruht.", texts: "Antworten aus: ",
      clause: "Bestimmung {id}", empty: "Bitte zuerst eine Frage eingeben." },
  };
  const STYLE = `:host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000}
*{box-sizing:border-box;letter-spacing:normal;text-transform:none}
.root{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#0f172a}
button{font:inherit;cursor:pointer;border-radius:8px}
button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.launch{background:var(--accent);color:#fff;border:0;padding:.7em 1.1em;box-shadow:0 4px 14px #0004;font-weight:600}
.panel{width:min(400px,calc(100vw - 40px));height:min(600px,calc(100vh - 40px));display:flex;flex-direction:column;background:#fff;border:1px solid #cbd5e1;border-radius:12px;box-shadow:0 10px 30px #0003;overflow:hidden}
[hidden]{display:none!important}
header{display:flex;align-items:center;justify-content:space-between;background:var(--accent);color:#fff;padding:.55em .8em}
h2{font-size:1.05em;margin:0;font-weight:650}
.x{background:transparent;color:#fff;border:1px solid #fff8;padding:.15em .6em}
.log,.clause{flex:1;overflow:auto;padding:.8em}
.intro{color:#475569;font-size:.9em;margin:0 0 .6em}
.msg{margin:.45em 0;padding:.55em .75em;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}
.user{background:#e2e8f0;margin-left:2.5em}
.bot{background:#f8fafc;border:1px solid #e2e8f0;margin-right:1em}
.refusal{border-left:4px solid #b45309;background:#fff7ed;color:#431407}
.banner{font-weight:700;color:#9a3412;display:block}
.note{display:block;color:#334155;border-left:3px solid #64748b;padding-left:.5em;margin-top:.4em;font-size:.9em}
.error{background:#fef2f2;color:#7f1d1d;border:1px solid #fecaca}
.chips{display:block;margin-top:.45em;font-size:.9em;color:#475569}
.chip{display:inline-block;margin:.1em .15em;padding:0 .6em;border-radius:999px;background:#e8f0fe;color:#173f8a;border:1px solid #aac2ee;font-size:.85em;font-weight:600;line-height:1.6}
.chip:hover{background:#173f8a;color:#fff}
form{display:flex;gap:.5em;border-top:1px solid #e2e8f0;padding:.6em}
label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
textarea{flex:1;font:inherit;color:#0f172a;background:#fff;border:1px solid #64748b;border-radius:8px;padding:.4em .55em;resize:none;min-height:2.6em}
.send{background:var(--accent);color:#fff;border:0;padding:0 1em;font-weight:600}
.send:disabled{opacity:.75;cursor:wait}
.clause h3{font-size:1em;margin:.2em 0 .4em}
.ctx{color:#475569;font-size:.9em}
blockquote{margin:.4em 0;padding:.2em .8em;border-left:3px solid var(--accent)}
a{color:#173f8a}
.back{background:#fff;color:#173f8a;border:1px solid #aac2ee;padding:.2em .7em}`;

  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  };

  class Assistant extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const opt = (name) => this.getAttribute(name) || (SCRIPT && SCRIPT.dataset[name]) || "";
      const lang = (opt("lang") || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
      this.t = T[lang] || T.en;
      this.key = opt("key");
      this.api = (opt("api") || (SCRIPT ? new URL(SCRIPT.src).origin : location.origin)).replace(/\/$/, "");
      this.history = [];
      const root = this.attachShadow({ mode: "open" });
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet]; // not inline <style>: works under a strict style-src CSP
      const color = opt("color");
      this.box = el("div", "root");
      this.box.style.setProperty("--accent", color && CSS.supports("color", color) ? color : "#0b5394");
      root.append(this.box);
      this.build(opt("title") || this.t.title, lang);
      if (opt("open")) this.toggle(true);
    }

    build(title, lang) {
      const t = this.t;
      this.launch = el("button", "launch", t.open);
      this.launch.setAttribute("aria-expanded", "false");
      this.launch.onclick = () => this.toggle(true);
      this.panel = el("section", "panel");
      this.panel.hidden = true;
      this.panel.setAttribute("role", "dialog");
      this.panel.setAttribute("aria-label", title);
      this.panel.lang = T[lang] ? lang : "en";
      const head = el("header");
      const close = el("button", "x", "×");
      close.setAttribute("aria-label", t.close);
      close.onclick = () => this.toggle(false);
      head.append(el("h2", "", title), close);
      this.log = el("div", "log");
      this.log.setAttribute("role", "log");
      this.log.setAttribute("aria-live", "polite");
      this.log.append(el("p", "intro", t.intro));
      this.listInstruments();
      this.clause = el("div", "clause");
      this.clause.hidden = true;
      this.clause.setAttribute("aria-live", "polite");
      const form = el("form");
      const id = "q" + Math.random().toString(36).slice(2);
      const label = el("label", "", t.label);
      label.htmlFor = id;
      this.input = el("textarea");
      this.input.id = id;
      this.input.rows = 2;
      this.input.maxLength = 2000;
      this.input.onkeydown = (e) => {
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
      };
      this.sendButton = el("button", "send", t.send);
      this.sendButton.type = "submit";
      form.onsubmit = (e) => { e.preventDefault(); this.ask(); };
      form.append(label, this.input, this.sendButton);
      this.panel.append(head, this.log, this.clause, form);
      this.panel.onkeydown = (e) => { if (e.key === "Escape") this.toggle(false); };
      this.box.append(this.launch, this.panel);
    }

    async listInstruments() {
      // The instruments' titles come from the server's metadata, never from this script.
      try {
        const res = await this.request("/v1/instruments");
        if (!res.ok) return;
        const titles = ((await res.json()).instruments || []).map((i) => i.title).filter(Boolean);
        if (titles.length) this.log.querySelector(".intro").after(el("p", "intro", this.t.texts + titles.join("; ")));
      } catch (e) { /* the list is a courtesy: asking still works without it */ }
    }

    toggle(open) {
      this.panel.hidden = !open;
      this.launch.hidden = open;
      this.launch.setAttribute("aria-expanded", String(open));
      (open ? this.input : this.launch).focus();
    }

    request(path, init) {
      const headers = { Authorization: "Bearer " + this.key };
      if (init && init.body) headers["Content-Type"] = "application/json";
      return fetch(this.api + path, { ...init, headers, credentials: "omit", mode: "cors" });
    }

    async ask() {
      const question = this.input.value.trim();
      if (!question || this.sendButton.disabled) return;
      this.input.value = "";
      this.showLog();
      this.log.append(el("div", "msg user", question));
      const bot = el("div", "msg bot", this.t.searching);
      bot.dataset.state = "waiting";
      this.log.append(bot);
      this.sendButton.disabled = true;
      try {
        const body = JSON.stringify({ question, history: this.history.slice(-6) });
        const response = await this.request("/v1/ask/stream", { method: "POST", body });
        if (!response.ok) return this.fail(bot, await this.message(response));
        const answer = await this.stream(response, bot);
        if (answer) {
          this.render(bot, answer);
          this.history.push({ role: "user", content: question }, { role: "assistant", content: answer.answer });
        }
      } catch (err) {
        // fetch rejects with a TypeError when CORS refuses this page or the server is down.
        this.fail(bot, err instanceof TypeError ? this.t.refused.replace("{o}", location.origin) : this.t.failed);
      } finally {
        this.sendButton.disabled = false;
        this.log.scrollTop = this.log.scrollHeight;
      }
    }

    async message(response) {
      try { return (await response.json()).error.message || this.t.failed; } catch (e) { return this.t.failed; }
    }

    fail(bot, text) {
      bot.className = "msg error";
      bot.setAttribute("role", "alert");
      bot.textContent = text;
      bot.dataset.state = "error";
    }

    async stream(response, bot) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "", answer = null, streamed = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let type = "message", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) type = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(5).trim();
          }
          if (!data) continue;
          const payload = JSON.parse(data);
          if (type === "delta") {
            streamed += payload.text;
            bot.textContent = streamed;
            bot.dataset.state = "streaming";
          } else if (type === "answer") answer = payload;
          else if (type === "error") { this.fail(bot, payload.error.message); return null; }
        }
      }
      return answer;
    }

    render(bot, answer) {
      bot.textContent = "";
      bot.dataset.state = "done";
      const known = new Map([...answer.citations, ...answer.related].map((c) => [c.clause_id, c]));
      if (answer.abstained) {
        bot.classList.add("refusal");
        bot.setAttribute("role", "note");
        bot.append(el("strong", "banner", "⚠ " + this.t.notCovered));
      }
      const text = el("span", "text");
      let last = 0;
      for (const m of answer.answer.matchAll(/\[([^[\]\n]{1,80})\]/g)) {
        const ids = m[1].split(/[;,]\s*/).map((s) => s.trim());
        if (!ids.every((id) => known.has(id))) continue;
        text.append(answer.answer.slice(last, m.index));
        ids.forEach((id) => text.append(this.chip(known.get(id))));
        last = m.index + m[0].length;
      }
      text.append(answer.answer.slice(last));
      bot.append(text);
      for (const notice of answer.notices || []) bot.append(el("span", "note", notice));
      const list = answer.abstained ? answer.related : answer.citations;
      if (list.length) {
        const bar = el("span", "chips", (answer.abstained ? this.t.related : this.t.cited) + ": ");
        list.forEach((c) => bar.append(this.chip(c)));
        bot.append(bar);
      }
    }

    chip(c) {
      const id = c.clause_id;
      const chip = el("button", "chip", id);
      chip.type = "button";
      chip.dataset.clause = id;
      chip.title = c.label || this.t.clause.replace("{id}", id);
      chip.setAttribute("aria-label", this.t.clause.replace("{id}", id));
      chip.onclick = () => this.open(id, c.instrument);
      return chip;
    }

    async open(id, instrument) {
      this.clause.textContent = "";
      const back = el("button", "back", "← " + this.t.back);
      back.type = "button";
      back.onclick = () => this.showLog();
      this.clause.append(back);
      this.log.hidden = true;
      this.clause.hidden = false;
      try {
        const query = instrument ? "?instrument=" + encodeURIComponent(instrument) : "";
        const response = await this.request("/v1/clauses/" + encodeURIComponent(id) + query, { method: "GET" });
        if (!response.ok) throw new Error(await this.message(response));
        const c = await response.json();
        const heading = el("h3", "", c.label);
        heading.tabIndex = -1;
        this.clause.append(heading);
        if (c.context) this.clause.append(el("p", "ctx", c.context));
        this.clause.append(el("blockquote", "", c.text));
        if (/^https:\/\//.test(c.url)) {
          const link = el("a", "", this.t.official + " ↗");
          link.href = c.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          this.clause.append(link);
        }
        heading.focus();
      } catch (err) {
        this.clause.append(el("p", "msg error", err.message || this.t.failed));
      }
    }

    showLog() {
      this.clause.hidden = true;
      this.log.hidden = false;
    }
  }

  customElements.define(TAG, Assistant);
  if (SCRIPT && SCRIPT.dataset.key && !document.querySelector(TAG)) {
    const add = () => document.body.append(document.createElement(TAG));
    document.body ? add() : addEventListener("DOMContentLoaded", add);
  }
})();
