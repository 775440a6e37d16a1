// 报送门户: progress of a large upload (bytes sent, then the check). Without JavaScript the
// form posts normally and the verdict page comes back when the check is done.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var text = document.getElementById("progress-text");
    var bar = document.getElementById("progress-bar");
    if (input.files.length && input.files[0].size > max) {
      event.preventDefault();
      document.getElementById("progress").hidden = false;
      text.textContent = "文件过大：不能超过 " + Math.round(max / 1048576) + " MB";
      return;
    }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    document.getElementById("progress").hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        text.textContent = "正在上传… " + pct + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      text.textContent = "上传完成，正在按数据规范校验（大文件可能需要一两分钟）…";
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 200 && xhr.responseURL && xhr.responseURL.indexOf("/upload/") > 0) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      text.textContent = "上传中断，请检查网络后重试";
      form.querySelector("button[type=submit]").disabled = false;
    });
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
})();
