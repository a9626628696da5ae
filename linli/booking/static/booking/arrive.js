// "I have arrived": with no code typed, a point whose position is known gets the phone's
// position instead (it must be near the point). Without a position the form goes as it is and
// the page says what is missing.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form.arrive-form[data-locate]")) return;
  if (form.elements.code.value.trim() || form.dataset.located || !navigator.geolocation) return;
  event.preventDefault();
  const send = () => {
    form.dataset.located = "1";
    form.submit();
  };
  navigator.geolocation.getCurrentPosition(
    (position) => {
      form.elements.lon.value = position.coords.longitude;
      form.elements.lat.value = position.coords.latitude;
      send();
    },
    send,
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
});
