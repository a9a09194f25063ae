// The one bundled browser script (served as /static/app.js). Each page declares what it needs with data-page.
const page = document.querySelector<HTMLElement>('[data-page]')?.dataset.page;
if (page) document.documentElement.dataset.ready = page;
