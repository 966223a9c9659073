/* The book's fixes to the theme's buttons, on every page (html_js_files in _config.yml).
 *
 * Sidebar toggles.  pydata-sphinx-theme (0.17 and later, still in 0.24) wires only the first element of the page
 * with the class primary-toggle, and the first with secondary-toggle, to open its sidebar; sphinx-book-theme puts
 * a second pair into the article's header, and those are the buttons a reader sees, so they did nothing: the
 * chapter menu and the "Contents" button on a phone, and the sidebar's collapse button on a wide screen
 * (upstream: pydata-sphinx-theme issue 2451, "Mobile primary-sidebar toggle silently does nothing with some
 * themes").  Every other toggle of a kind passes its click on to the wired one, which opens the sidebar as a
 * dialog on a narrow screen and, for the chapter menu, hides or shows the sidebar on a wide one.
 *
 * Accessible names.  A control that shows a label is named by that label (WCAG 2.5.3, "label in name"), so that
 * a reader who speaks to the page can say what they see:
 *  - the search field's button shows "Search Ctrl+K" but was named "Search": it is named by what it shows, and
 *    the shortcut is announced as one (aria-keyshortcuts);
 *  - a folded code cell's <summary> shows "Show code cell source" but was named "Toggle hidden content";
 *  - the colour-mode button's icons carry the titles "Light", "Dark", "System Settings", which become its text
 *    next to the name "Color mode": the icons are decoration, the button's name says what it does.
 */
(function () {
  'use strict';

  function forwardToggles(kind) {
    const toggles = document.querySelectorAll('.' + kind);
    const wired = toggles[0];  // the one the theme listens to: document.querySelector('.' + kind)
    for (const toggle of Array.from(toggles).slice(1)) {
      toggle.addEventListener('click', (event) => {
        event.preventDefault();
        event.stopPropagation();
        wired.click();
      });
    }
  }

  function decorative(icon) {
    if (icon.getAttribute('aria-hidden') === 'true') return;
    icon.setAttribute('aria-hidden', 'true');
    icon.removeAttribute('role');
    icon.removeAttribute('aria-labelledby');
    icon.removeAttribute('title');
    const title = icon.querySelector('title');
    if (title) title.remove();
  }

  function nameByLabel() {
    for (const button of document.querySelectorAll('button.search-button-field')) {
      button.removeAttribute('aria-label');
      if (button.querySelector('.search-button__kbd-shortcut')) button.setAttribute('aria-keyshortcuts', 'Control+K');
    }
    for (const summary of document.querySelectorAll('details > summary[aria-label="Toggle hidden content"]')) {
      summary.removeAttribute('aria-label');
    }
    // Font Awesome turns each <i title> into an <svg role="img"> with a <title>, once its script has run and
    // again whenever the theme changes the icons; keep them decorative whenever that happens.
    for (const button of document.querySelectorAll('.theme-switch-button')) {
      const quiet = () => button.querySelectorAll('svg, i').forEach(decorative);
      quiet();
      new MutationObserver(quiet).observe(button, {childList: true, subtree: true});
    }
  }

  function ready() {
    forwardToggles('primary-toggle');
    forwardToggles('secondary-toggle');
    nameByLabel();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
