// Renders one Adaptive Card with Microsoft's renderer (the npm package adaptivecards) and a Teams
// host config, then reports what a person would find wrong with it: what the renderer warned
// about while reading the card, text cut off or sticking out of the card, button titles cut short,
// and text whose colour is too close to its background (WCAG contrast below 4.5:1).
"use strict";

(function () {
  const AC = window.AdaptiveCards;
  const MIN_CONTRAST = 4.5;
  const SLACK = 1; // px of rounding allowed when comparing widths

  AC.AdaptiveCard.onProcessMarkdown = function (text, result) {
    // Teams renders markdown in TextBlocks and facts, never HTML.
    result.outputHtml = window.markdownit({ html: false, linkify: false }).render(text);
    result.didProcess = true;
  };

  function setTheme(stylesheet, pageBackground) {
    let link = document.getElementById("theme");
    if (!link) {
      link = document.createElement("link");
      link.id = "theme";
      link.rel = "stylesheet";
      document.head.appendChild(link);
    }
    document.body.style.background = pageBackground;
    if (link.getAttribute("href") === stylesheet) {
      return Promise.resolve();
    }
    return new Promise(function (resolve, reject) {
      link.onload = resolve;
      link.onerror = function () { reject(new Error("could not load " + stylesheet)); };
      link.setAttribute("href", stylesheet);
    });
  }

  function eventText(event) {
    const phase = AC.ValidationPhase ? AC.ValidationPhase[event.phase] : event.phase;
    const kind = AC.ValidationEvent ? AC.ValidationEvent[event.event] : event.event;
    return phase + " " + kind + ": " + event.message;
  }

  // Colours and contrast -----------------------------------------------------------------------

  function parseColour(text) {
    const m = /rgba?\(([^)]+)\)/.exec(text || "");
    if (!m) {
      return null;
    }
    const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  }

  function over(top, bottom) {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) {
      return { r: 0, g: 0, b: 0, a: 0 };
    }
    const mix = function (t, b) { return (t * top.a + b * bottom.a * (1 - top.a)) / a; };
    return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: a };
  }

  function backgroundBehind(element) {
    // The first opaque background walking up, with any see-through ones above it laid on top.
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const colour = parseColour(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) {
          break;
        }
      }
    }
    let result = { r: 255, g: 255, b: 255, a: 1 }; // the canvas
    for (let i = layers.length - 1; i >= 0; i--) {
      result = over(layers[i], result);
    }
    return result;
  }

  function luminance(c) {
    const channel = function (v) {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  }

  function contrast(a, b) {
    const la = luminance(a);
    const lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function hex(c) {
    const two = function (v) { return Math.round(v).toString(16).padStart(2, "0"); };
    return "#" + two(c.r) + two(c.g) + two(c.b);
  }

  // What a person sees --------------------------------------------------------------------------

  function visible(element) {
    if (!element || element.getClientRects().length === 0) {
      return false;
    }
    const style = getComputedStyle(element);
    return style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0;
  }

  function excerpt(text) {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length > 60 ? flat.slice(0, 57) + "..." : flat;
  }

  function textNodes(root) {
    const found = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.trim() && node.parentElement && visible(node.parentElement)) {
        found.push(node);
      }
    }
    return found;
  }

  function clips(style) {
    return style.overflowX !== "visible" || style.textOverflow === "ellipsis";
  }

  function naturalWidth(select, option) {
    // How wide the closed dropdown would need to be to show this choice in full.
    const probe = select.cloneNode(false);
    probe.style.width = "auto";
    probe.style.minWidth = "0";
    probe.style.maxWidth = "none";
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    probe.appendChild(option.cloneNode(true));
    document.body.appendChild(probe);
    const width = probe.getBoundingClientRect().width;
    probe.remove();
    return width;
  }

  function inspect(root, options) {
    const problems = [];
    const seen = new Set();
    const note = function (text) {
      if (!seen.has(text)) {
        seen.add(text);
        problems.push(text);
      }
    };
    const card = root.getBoundingClientRect();
    if (root.scrollWidth > root.clientWidth + SLACK) {
      note("the card is wider than its " + root.clientWidth + " px: its content needs " + root.scrollWidth + " px");
    }
    const buttons = Array.from(root.querySelectorAll("button")).filter(visible);
    const insideButton = function (node) { return node.parentElement.closest("button"); };

    for (const node of textNodes(root)) {
      const element = node.parentElement;
      const text = excerpt(node.nodeValue);
      let clipped = false;
      if (!insideButton(node)) {
        for (let box = element; box && box !== root.parentElement; box = box.parentElement) {
          const style = getComputedStyle(box);
          if (style.display === "inline") {
            continue;
          }
          if (clips(style) && box.scrollWidth > box.clientWidth + SLACK) {
            const how = style.textOverflow === "ellipsis" ? "ends in an ellipsis" : "is cut off";
            note("text " + how + ": \"" + excerpt(box.textContent) + "\" needs " + box.scrollWidth + " px, has " +
                 box.clientWidth + " px");
            clipped = true;
            break;
          }
          if (style.overflowY !== "visible" && box.clientHeight > 0 && box.scrollHeight > box.clientHeight + SLACK) {
            note("text is cut off at the bottom: \"" + excerpt(box.textContent) + "\" needs " + box.scrollHeight +
                 " px of height, has " + box.clientHeight + " px");
            clipped = true;
            break;
          }
        }
      }
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of clipped ? [] : Array.from(range.getClientRects())) {
        if (rect.right > card.right + SLACK || rect.left < card.left - SLACK) {
          note("text sticks out of the card: \"" + text + "\" reaches " + Math.round(rect.right - card.left) +
               " px of the card's " + Math.round(card.width) + " px");
          break;
        }
      }
      const button = insideButton(node);
      if (options.skipExpandedButtons && button && button.classList.contains("expanded")) {
        continue;
      }
      const fg = parseColour(getComputedStyle(element).color);
      const bg = backgroundBehind(element);
      const shown = over(fg, bg);
      const ratio = contrast(shown, bg);
      if (ratio < MIN_CONTRAST) {
        note("low contrast " + ratio.toFixed(2) + ":1 (" + hex(shown) + " on " + hex(bg) + "): \"" + text + "\"");
      }
    }

    for (const button of buttons) {
      const title = excerpt(button.textContent);
      const labels = [button].concat(Array.from(button.querySelectorAll("*")).filter(function (child) {
        return Array.from(child.childNodes).some(function (n) { return n.nodeType === 3 && n.nodeValue.trim(); });
      }));
      for (const label of labels) {
        if (label.scrollWidth > label.clientWidth + SLACK) {
          note("button title cut: \"" + title + "\" needs " + label.scrollWidth + " px, the button shows " +
               label.clientWidth + " px");
          break;
        }
        if (label.scrollHeight > label.clientHeight + SLACK) {
          note("button title cut: \"" + title + "\" needs " + label.scrollHeight + " px of height, the button " +
               "shows " + label.clientHeight + " px");
          break;
        }
      }
      const rect = button.getBoundingClientRect();
      if (rect.right > card.right + SLACK || rect.left < card.left - SLACK) {
        note("button sticks out of the card: \"" + title + "\"");
      }
    }

    for (const select of Array.from(root.querySelectorAll("select")).filter(visible)) {
      const width = select.getBoundingClientRect().width;
      for (const option of Array.from(select.options)) {
        const needs = naturalWidth(select, option);
        if (needs > width + SLACK) {
          note("choice cut in the closed dropdown: \"" + excerpt(option.textContent) + "\" needs " +
               Math.round(needs) + " px, the dropdown is " + Math.round(width) + " px");
        }
      }
    }
    return problems;
  }

  // Rendering ----------------------------------------------------------------------------------

  function renderCard(json, hostConfig, width) {
    const host = document.getElementById("host");
    host.innerHTML = "";
    host.style.width = width + "px";
    const card = new AC.AdaptiveCard();
    card.hostConfig = new AC.HostConfig(hostConfig);
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    card.parse(json, context);
    const events = [];
    for (let i = 0; i < context.eventCount; i++) {
      events.push(eventText(context.getEventAt(i)));
    }
    for (const event of card.validateProperties().validationEvents) {
      events.push(eventText(event));
    }
    const element = card.render();
    if (!element) {
      return { events: events.concat(["the renderer produced nothing"]), problems: [], opened: [], box: [0, 0, 0, 0] };
    }
    host.appendChild(element);
    const problems = inspect(element, {});
    // Each ShowCard opened in turn: what is wrong with the card as it then looks (closed again after).
    const opened = Array.from(element.querySelectorAll("button[aria-expanded]")).map(function (button) {
      button.click();
      const found = inspect(element, { skipExpandedButtons: true });
      button.click();
      return { title: button.textContent.trim(), problems: found };
    });
    const box = host.getBoundingClientRect();
    return { events: events, problems: problems, opened: opened, box: [box.x, box.y, box.width, box.height] };
  }

  window.assurebotCards = { setTheme: setTheme, renderCard: renderCard };
})();
