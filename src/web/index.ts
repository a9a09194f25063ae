export { renderPage, type RenderPageOptions } from './render-page.js';
export { Layout, navLinks, type LayoutProps } from './components/layout.js';
export { Flash } from './components/flash.js';
export { webModule } from './web-module.js';
export { CsrfField } from './components/csrf-field.js';
export { TimeText } from './components/time-text.js';
export { ErrorPage, type ErrorLink, type ErrorPageProps } from './components/error-page.js';
export { ConfirmStep, type ConfirmStepProps } from './components/confirm-step.js';
