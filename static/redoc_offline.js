// ReDoc's side menu credits Redocly with a logo from their CDN, which the page's
// Content-Security-Policy refuses (nothing is loaded from elsewhere). Show Waymark's own icon
// there instead, so the page neither reaches out nor logs a refused image. Loaded before ReDoc.
(function () {
  "use strict";
  var CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  var local = document.currentScript.dataset.logo;
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    get: src.get,
    set: function (value) { src.set.call(this, value === CDN_LOGO ? local : value); },
    configurable: true,
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    var isLogo = this instanceof HTMLImageElement && name === "src" && value === CDN_LOGO;
    return setAttribute.call(this, name, isLogo ? local : value);
  };
})();
