// Renders the formulas of a page with the KaTeX shipped beside this file: the docs site
// (pymdownx.arithmatex, generic mode) and `neuronet tour N --open` both mark each formula as
// <span class="arithmatex">\( ... \)</span> or <div class="arithmatex">\[ ... \]</div>; the site's
// notebook pages (mkdocs-jupyter) keep the notebooks' $...$ and $$...$$ in their Markdown cells.
(function () {
  "use strict";
  // The site's Japanese pages live under ja/ (notebooks/ja/ for the notebooks): marked as Japanese,
  // they get Japanese glyphs and the CJK font stack first. The --open pages set their own language.
  var sitePage = !document.querySelector("body.neuronet-page");
  if (sitePage && /\/ja\//.test(window.location.pathname)) {
    document.documentElement.lang = "ja";
  }
  function render(root) {
    root.querySelectorAll(".arithmatex").forEach(function (element) {
      window.renderMathInElement(element, {
        delimiters: [
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false }
        ],
        throwOnError: false
      });
    });
    root.querySelectorAll(".jp-RenderedMarkdown").forEach(function (element) {
      window.renderMathInElement(element, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "$", right: "$", display: false }
        ],
        ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
        throwOnError: false
      });
    });
  }
  function start() {
    if (window.document$ && typeof window.document$.subscribe === "function") {
      window.document$.subscribe(function (page) { render(page.body || document.body); });  // mkdocs-material
    } else {
      render(document.body);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
