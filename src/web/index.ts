export { renderPage, type RenderPageOptions } from './render-page.js';
export { Layout, navLinks, type LayoutProps } from './components/layout.js';
export { Flash } from './components/flash.js';
export { webModule } from './web-module.js';
