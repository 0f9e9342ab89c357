'use strict';
// List pages (the admin's changelists): the navigation sidebar starts folded away, so a list has
// the screen's width (a job's row fits on one line at 1024 wide). Its toggle still opens it; the
// choice is remembered for list pages apart from the other pages' (Django's nav_sidebar.js).
{
    const KEY = 'laseros.listNavSidebarIsOpen';
    const main = document.getElementById('main');
    const toggle = document.getElementById('toggle-nav-sidebar');
    const sidebar = document.getElementById('nav-sidebar');
    if (main && toggle && sidebar && document.body.classList.contains('change-list')) {
        const show = (open) => {
            main.classList.toggle('shifted', open);
            sidebar.setAttribute('aria-expanded', String(open));
        };
        show(localStorage.getItem(KEY) === 'true');
        // caught before Django's own handler, which would flip the other pages' choice
        document.addEventListener('click', (event) => {
            if (event.target !== toggle) {
                return;
            }
            event.stopPropagation();
            const open = !main.classList.contains('shifted');
            localStorage.setItem(KEY, String(open));
            show(open);
        }, true);
    }
}
