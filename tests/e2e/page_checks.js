// What a person sees on a page, checked in the browser: text whose contrast with what is behind it is
// below 4.5:1 (WCAG AA), anything wider than the window, and form controls without a label.
(() => {
  const problems = [];
  const colour = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
    return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: a };
  };
  const behind = (element) => {
    const layers = [];
    for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
      const c = colour(getComputedStyle(node).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let result = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
    return result;
  };
  const lum = (c) => {
    const ch = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.nodeValue.trim() || !element || element.getClientRects().length === 0) continue;
    if (["OPTION", "TITLE", "STYLE"].includes(element.tagName)) continue;
    const bg = behind(element);
    const found = ratio(over(colour(getComputedStyle(element).color), bg), bg);
    if (found < 4.5) problems.push("low contrast " + found.toFixed(2) + ":1: " + node.nodeValue.trim().slice(0, 50));
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push("the page is wider than the window: " + document.documentElement.scrollWidth + " px in " +
                  window.innerWidth + " px");
  }
  for (const control of document.querySelectorAll("select, input:not([type=hidden]), textarea")) {
    if (!control.labels || control.labels.length === 0) problems.push("a " + control.tagName + " has no label");
  }
  return problems;
})()
