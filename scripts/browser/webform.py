#!/usr/bin/env python3
"""Drives the citizen's web form in a real headless Chromium (Debian's chromium and chromium-driver, PyPI selenium).

Run by the Swift tests (`WebFormBrowserTests`) against a gateway on 127.0.0.1, one scenario per run; prints one JSON
object on stdout. Scenarios:

  submit       fill every field, attach a photo, submit, read the tracking number from the receipt page
  invalid      type a title, leave the body empty, submit; report the error summary, the field's error and the kept title,
               and where keyboard focus lands when the summary's link is followed
  nojs         the same as submit with JavaScript disabled in the browser
  axe          axe-core (PyPI axe-core-python ships axe.min.js) on the form, the English form, a page with errors,
               the receipt and the status page; prints every violation with its impact
  screenshots  full-page PNGs of the form, a page with errors and the receipt at phone and desktop width into --out

Every wait is for a condition, bounded by --timeout seconds.
"""
import argparse
import json
import os
import sys
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

PHONE = (390, 844)
DESKTOP = (1280, 900)
TITLE = "Jalan berlubang di depan SDN 3 Coblong"
BODY = ("Sejak dua minggu jalan di depan SDN 3 Coblong berlubang besar. Saat hujan lubang tertutup air "
        "dan sudah dua pengendara motor jatuh. Mohon segera diperbaiki.")


def browser(width_height, javascript=True):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=id-ID",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     "--window-size=%d,%d" % width_height):
        options.add_argument(argument)
    # A browser in Indonesia: the page's default language, and dates typed day first.
    prefs = {"intl.accept_languages": "id-ID,id"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


# The browser of the scenario running now: a timeout reports the page it was looking at.
CURRENT = {}


class Run:
    def __init__(self, args, javascript=True, size=PHONE):
        self.args = args
        self.driver = browser(size, javascript)
        CURRENT["driver"] = self.driver
        self.size = size
        self.viewport(size[1])
        self.driver.set_page_load_timeout(args.timeout)
        self.wait = WebDriverWait(self.driver, args.timeout)

    def open(self, path):
        self.driver.get(self.args.base + path)

    def field(self, name):
        return self.driver.find_element(By.ID, name)

    def type(self, name, text):
        element = self.field(name)
        element.clear()
        element.send_keys(text)

    def fill(self, body=BODY, photo=None):
        """Fills the form as a citizen would, by typing, choosing and clicking."""
        self.type("title", TITLE)
        if body:
            self.type("body", body)
        self.type_date("incident_date", "2026", "11", "30")
        self.type("location", "Kota Bandung")
        self.type("agency", "Dinas Pekerjaan Umum")
        kind = self.field("kind")
        if kind.tag_name == "select":
            Select(kind).select_by_value("complaint")
        category = self.field("category")
        if category.tag_name == "select":
            options = [o.get_attribute("value") for o in Select(category).options if o.get_attribute("value")]
            if options:
                Select(category).select_by_value(options[0])
        else:
            category.send_keys("Infrastruktur")
        self.type("contact_email", "warga@example.org")
        if photo:
            self.field("attachments").send_keys(str(Path(photo).resolve()))

    def type_date(self, name, year, month, day):
        """Types a date as a person does, digits in the order the browser's locale shows (day or month first):
        the order is learnt by typing 01/02 once and reading what the field made of it."""
        field = self.field(name)
        field.send_keys("01022026")
        month_first = field.get_property("value") == "2026-01-02"
        field.clear()
        field.send_keys((month + day if month_first else day + month) + year)

    def submit_and_wait(self, condition):
        self.field("submit").click()
        self.wait.until(condition)

    def receipt(self):
        """The tracking number the receipt shows, and whether its print button is shown: the page's own script
        reveals it, so with JavaScript off it stays hidden (evidence that the page's scripts really did not run)."""
        self.submit_and_wait(EC.presence_of_element_located((By.ID, "tracking-number")))
        return {"tracking_number": self.field("tracking-number").text.strip(), "url": self.driver.current_url,
                "print_button_shown": self.field("print").is_displayed()}

    def errors(self):
        """What a page with errors shows: the summary's links, each field's message, the kept title."""
        summary = self.driver.find_element(By.ID, "error-summary")
        links = [a.get_attribute("href").split("#", 1)[-1] for a in summary.find_elements(By.TAG_NAME, "a")]
        body = self.field("body")
        message = self.driver.find_element(By.ID, "body-error")
        # "Next to the field": the message and the field share their closest enclosing group.
        same_group = self.driver.execute_script(
            "const f = arguments[0], m = arguments[1];"
            "const g = f.closest('.field, fieldset, div, p');"
            "return !!g && g.contains(m);", body, message)
        return {
            "summary_links": links,
            "summary_text": summary.text,
            "body_error": message.text.strip(),
            "body_invalid": body.get_attribute("aria-invalid"),
            "body_describedby": body.get_attribute("aria-describedby") or "",
            "body_error_next_to_field": same_group,
            "title_kept": self.field("title").get_attribute("value"),
            "status_url": self.driver.current_url,
        }

    def follow_summary_link_by_keyboard(self, target):
        link = self.driver.find_element(By.CSS_SELECTOR, "#error-summary a[href='#%s']" % target)
        link.send_keys(Keys.ENTER)
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == target)
        return self.driver.switch_to.active_element.get_attribute("id")

    def axe(self):
        script = Path(__import__("axe_core_python").__file__).with_name("axe.min.js").read_text()
        self.driver.execute_script(script)
        self.driver.set_script_timeout(self.args.timeout)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
            ".then(r => done(r)).catch(e => done({error: String(e)}));")
        if "error" in result:
            raise RuntimeError("axe failed: " + result["error"])
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]

    def viewport(self, height):
        """The page's viewport at the run's width: a headless window is never narrower than 500 pixels, so a
        phone's width is emulated (a phone's metrics, touch and all), not a window size."""
        width = self.size[0]
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def screenshot(self, path):
        """The whole page: the viewport is made as tall as the document first, then put back."""
        height = self.driver.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        self.viewport(max(height, 400))
        self.driver.save_screenshot(str(path))
        self.viewport(self.size[1])

    def quit(self):
        try:
            CURRENT["page"] = self.driver.current_url + "\n" + self.driver.find_element(By.TAG_NAME, "body").text[:1500]
        except Exception:  # the page may be gone with the browser; the report then has no page text
            pass
        self.driver.quit()


def scenario_submit(args, javascript=True):
    run = Run(args, javascript=javascript)
    try:
        run.open("/lapor")
        run.fill(photo=args.photo)
        return run.receipt()
    finally:
        run.quit()


def scenario_invalid(args):
    run = Run(args)
    try:
        run.open("/lapor")
        run.fill(body=None)
        run.submit_and_wait(EC.presence_of_element_located((By.ID, "error-summary")))
        result = run.errors()
        result["focus_after_link"] = run.follow_summary_link_by_keyboard("body")
        return result
    finally:
        run.quit()


def scenario_axe(args):
    run = Run(args, size=DESKTOP)
    pages = {}
    try:
        run.open("/lapor")
        pages["form"] = run.axe()
        run.open("/lapor?lang=en")
        pages["form_en"] = run.axe()
        run.open("/lapor")
        run.fill(body=None)
        run.submit_and_wait(EC.presence_of_element_located((By.ID, "error-summary")))
        pages["errors"] = run.axe()
        run.type("body", BODY)
        number = run.receipt()["tracking_number"]
        pages["receipt"] = run.axe()
        run.open("/lapor/status?nomor=" + number)
        run.wait.until(EC.presence_of_element_located((By.ID, "status-answer")))
        pages["status"] = run.axe()
        return {"pages": pages, "tracking_number": number}
    finally:
        run.quit()


def scenario_screenshots(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        run = Run(args, size=size)
        try:
            run.open("/lapor")
            run.wait.until(EC.presence_of_element_located((By.ID, "submit")))
            run.screenshot(out / ("form-%s.png" % label))
            run.fill(body=None)
            run.submit_and_wait(EC.presence_of_element_located((By.ID, "error-summary")))
            run.screenshot(out / ("errors-%s.png" % label))
            run.type("body", BODY)
            run.receipt()
            run.screenshot(out / ("receipt-%s.png" % label))
            written += ["form-%s.png" % label, "errors-%s.png" % label, "receipt-%s.png" % label]
        finally:
            run.quit()
    return {"written": written}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["submit", "invalid", "nojs", "axe", "screenshots"])
    parser.add_argument("--base", required=True, help="the gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--photo", help="a photo to attach")
    parser.add_argument("--out", default=".", help="where screenshots go")
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()
    try:
        if args.scenario == "submit":
            result = scenario_submit(args)
        elif args.scenario == "nojs":
            result = scenario_submit(args, javascript=False)
        elif args.scenario == "invalid":
            result = scenario_invalid(args)
        elif args.scenario == "axe":
            result = scenario_axe(args)
        else:
            result = scenario_screenshots(args)
    except TimeoutException as error:
        print(json.dumps({"error": "timed out waiting: %s" % (error.msg or "condition"), "page": CURRENT.get("page", "")},
                         ensure_ascii=False))
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
